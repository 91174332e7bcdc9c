/**
 * Typed errors of the API. Domain code throws these; the HTTP middleware maps them to a status and
 * the `{"error":{"code","message"}}` body in one place. Anything else becomes a 500 whose message
 * never reveals internals.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends ApiError {
  constructor(message: string, code = 'VALIDATION_ERROR') {
    super(400, code, message);
  }
}

export class Unauthorized extends ApiError {
  constructor(message = 'A valid bearer token is required.') {
    super(401, 'UNAUTHORIZED', message, { 'www-authenticate': 'Bearer' });
  }
}

export class Forbidden extends ApiError {
  constructor(message: string) {
    super(403, 'FORBIDDEN', message);
  }
}

export class NotFound extends ApiError {
  constructor(message: string, code = 'NOT_FOUND') {
    super(404, code, message);
  }
}

export class Conflict extends ApiError {
  constructor(code: string, message: string) {
    super(409, code, message);
  }
}

export class PreconditionFailed extends ApiError {
  constructor(message: string) {
    super(412, 'PRECONDITION_FAILED', message);
  }
}

export const fileNotFound = (id: string): NotFound => new NotFound(`File ${id} was not found.`, 'FILE_NOT_FOUND');

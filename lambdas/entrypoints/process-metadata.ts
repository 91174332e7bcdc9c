// Placeholder until the metadata processor lands.
export const handler = async (): Promise<void> => undefined;

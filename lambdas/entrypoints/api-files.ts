// Placeholder until the group's handlers land.
export const handler = async (): Promise<void> => undefined;

export const outputs = {};

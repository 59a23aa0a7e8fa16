// Placeholder until the program lands.
export {};

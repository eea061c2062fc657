// placeholder until the study pipeline lands
export {};

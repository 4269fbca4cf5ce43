/** The model room: zod schemas and types, safe to import from workflow code. */
export * from './estate';
export * from './request';
export * from './issues';
export * from './validate';
export * from './plan';
export * from './status';
export * from './notify';
export * from './bindings';
export * from './app-server-reading';

// The embedded servers ship no type declarations; the stack uses a handful of their calls.
declare module 'dynalite';
declare module 's3rver';

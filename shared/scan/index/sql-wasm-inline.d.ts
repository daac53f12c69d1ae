/** sql.js's build with its wasm inlined: the same API as the package's main entry. */
declare module 'sql.js/dist/sql-wasm-inline.js' {
  import initSqlJs from 'sql.js';
  export default initSqlJs;
}

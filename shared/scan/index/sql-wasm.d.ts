/** sql.js's Node build, which loads its wasm from the file `locateFile` names: the same API as the package's main entry. */
declare module 'sql.js/dist/sql-wasm.js' {
  import initSqlJs from 'sql.js';
  export default initSqlJs;
}

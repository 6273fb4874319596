// json-source-map ships no types; only what gameday uses is declared.
declare module 'json-source-map' {
  export interface Location {
    line: number;
    column: number;
    pos: number;
  }
  export interface Mapping {
    key?: Location;
    keyEnd?: Location;
    value: Location;
    valueEnd: Location;
  }
  export function parse(text: string): { data: unknown; pointers: Record<string, Mapping> };
}

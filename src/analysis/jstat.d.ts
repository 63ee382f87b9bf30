/** The small part of jStat (https://jstat.github.io) that analysis uses; the package ships no types. */
declare module 'jstat' {
  interface JStatContinuous {
    cdf(x: number, ...params: number[]): number;
    inv(p: number, ...params: number[]): number;
  }
  interface JStatStatic {
    normal: JStatContinuous;
    studentt: JStatContinuous;
  }
  const jStat: JStatStatic;
  export default jStat;
}

// socketcluster-client 9.x and 20.x, installed under npm aliases; typed loosely on purpose:
// the tests drive them exactly as widgets do.
declare module 'sc-v9' {
  const socketCluster: { connect(options: Record<string, unknown>): any };
  export default socketCluster;
}
declare module 'sc-current' {
  export function create(options: Record<string, unknown>): any;
}

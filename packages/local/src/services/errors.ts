/** A fixed port asked for is taken (by another medallion dev, or any other program). */
export class PortInUseError extends Error {
  override name = "PortInUseError";
}

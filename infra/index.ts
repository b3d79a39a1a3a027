// Concerns in dependency order; each file exports its components.
import { lake } from "./lake";
import { stores } from "./stores";

export { lake, stores };

export const outputs = {
  landingBucket: lake.Landing.name,
  bronzeBucket: lake.Bronze.name,
};

import { main } from "./components/program";

export = main();

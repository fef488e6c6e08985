export default function tailwindPlugin() { throw new Error("skeino does not bundle generative UI (tailwind stubbed out)"); }

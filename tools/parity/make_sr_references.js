// Reference outputs of the published ESRGAN/RDN models from their original runtime
// (@tensorflow/tfjs, pure-JS CPU backend), for Restora's parity tests.
// Run once by hand (slow; not part of CI or the test command):
//   cd /tmp/tfjs && npm install @tensorflow/tfjs@4.11.0 pngjs@7
//   NODE_PATH=/tmp/tfjs/node_modules node tools/parity/make_sr_references.js \
//       models/npm/node_modules tests/data/sr
// Writes <dir>/<id>.f32: little-endian float32, H x W x 3 (RGB, HWC) in [0,1] units,
// for the input <dir>/input_40x40.png (a crop of the bundled sample photo).
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');
const { PNG } = require('pngjs');
const { readModelFolder } = require('./package_files');

const [pkgRoot, outDir] = process.argv.slice(2).map((p) => path.resolve(p));
const only = process.env.ONLY ? process.env.ONLY.split(',') : null;

function loadInput() {
  const png = PNG.sync.read(fs.readFileSync(path.join(outDir, 'input_40x40.png')));
  const rgb = new Float32Array(png.width * png.height * 3);
  for (let i = 0; i < png.width * png.height; i++) {
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = png.data[i * 4 + c];
  }
  return tf.tensor4d(rgb, [1, png.height, png.width, 3]);  // 0..255
}

async function run(size, scale) {
  const id = `esrgan-${size}-x${scale}`;
  if (only && !only.includes(id)) return;
  const pkg = path.join(pkgRoot, '@upscalerjs', `esrgan-${size}`);
  const def = require(path.join(pkg, `dist/cjs/models/esrgan-${size}/src/getModelDefinition.js`)).default(scale, '');
  if (def.setup) def.setup(tf);  // registers MultiplyBeta and PixelShuffle for RRDN
  const dir = path.join(pkg, `models/x${scale}`);
  const { model, weightSpecs, weightData } = readModelFolder(dir);
  const layers = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: model.modelTopology, weightSpecs, weightData }));
  const input = loadInput();
  const inMax = def.inputRange[1];
  const outMax = def.outputRange[1];
  const t0 = Date.now();
  const y = tf.tidy(() => layers.predict(input.mul(inMax / 255)).div(outMax));
  const data = await y.data();
  fs.writeFileSync(path.join(outDir, `${id}.f32`), Buffer.from(new Float32Array(data).buffer));
  console.log(`${id}: output ${y.shape.join('x')} in ${(Date.now() - t0) / 1000} s`);
}

(async () => {
  await tf.setBackend('cpu');
  for (const size of ['slim', 'medium', 'thick']) {
    for (const scale of [2, 3, 4, 8]) await run(size, scale);
  }
})();

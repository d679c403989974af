// Reference outputs of the seven MAXIM graph models from their original runtime
// (@tensorflow/tfjs, pure-JS CPU backend), for Restora's parity tests. About 20 minutes per
// model on 64x64 on the development machine. Run once by hand, in the background (not part of CI
// or the test command):
//   cd /tmp/tfjs && npm install @tensorflow/tfjs@4.11.0 pngjs@7
//   NODE_PATH=/tmp/tfjs/node_modules node tools/parity/make_maxim_references.js \
//       models/npm/node_modules tests/data/maxim
// Writes <dir>/<id>.f32: little-endian float32, H x W x 3 (RGB, HWC), the model's raw output
// (NHWC, [0,1] units) for <dir>/input_64x64.png (a crop of the bundled sample photo, /255).
// ONLY=id1,id2 limits the run to some models; existing outputs are kept (delete one to redo it).
// INPUT=name.png takes <dir>/name.png instead and writes <dir>/<id>-name.f32 (dark_64x64.png: a
// dark JPEG crop for enhance-lowlight, made by tools/parity/make_dark_input.sh).
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');
const { PNG } = require('pngjs');
const { readModelFolder } = require('./package_files');

const [pkgRoot, outDir] = process.argv.slice(2).map((p) => path.resolve(p));
const only = process.env.ONLY ? process.env.ONLY.split(',') : null;
const inputName = process.env.INPUT || 'input_64x64.png';
const suffix = inputName === 'input_64x64.png' ? '' : `-${path.basename(inputName, '.png')}`;
const ids = ['maxim-denoising', 'maxim-deblurring', 'maxim-deraining', 'maxim-dehazing-indoor',
  'maxim-dehazing-outdoor', 'maxim-enhancement', 'maxim-retouching'];

function loadInput() {
  const png = PNG.sync.read(fs.readFileSync(path.join(outDir, inputName)));
  const rgb = new Float32Array(png.width * png.height * 3);
  for (let i = 0; i < png.width * png.height; i++) {
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = png.data[i * 4 + c] / 255;
  }
  return tf.tensor4d(rgb, [1, png.height, png.width, 3]);  // NHWC in [0,1]
}

async function run(id) {
  const out = path.join(outDir, `${id}${suffix}.f32`);
  if ((only && !only.includes(id)) || fs.existsSync(out)) return;
  const dir = path.join(pkgRoot, '@upscalerjs', id, 'models');
  const { model, weightSpecs, weightData } = readModelFolder(dir);
  const graph = await tf.loadGraphModel(tf.io.fromMemory({
    modelTopology: model.modelTopology, weightSpecs, weightData,
    format: model.format, generatedBy: model.generatedBy, convertedBy: model.convertedBy,
    signature: model.signature,
  }));
  const input = loadInput();
  const t0 = Date.now();
  const y = await graph.executeAsync(input);
  const data = await y.data();
  fs.writeFileSync(out, Buffer.from(new Float32Array(data).buffer));
  console.log(`${id}: output ${y.shape.join('x')} in ${(Date.now() - t0) / 1000} s, ` +
              `tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}`);
  tf.dispose([y, input]);
  graph.dispose();
}

(async () => {
  await tf.setBackend('cpu');
  for (const id of ids) await run(id);
})();

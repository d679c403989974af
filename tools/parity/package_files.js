// Reads a TF.js model folder of an npm package (model.json and its weight shards) into memory,
// for tf.io.fromMemory: the parity scripts load exactly the files Restora imports.
const fs = require('fs');
const path = require('path');

function readModelFolder(dir) {
  const model = JSON.parse(fs.readFileSync(path.join(dir, 'model.json')));
  const weightSpecs = [];
  const buffers = [];
  for (const group of model.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  return { model, weightSpecs, weightData };
}

module.exports = { readModelFolder };

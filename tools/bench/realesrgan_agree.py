# Agreement of upscayl-bin's output with restora's float32 output, with and without the blotches
# (channels where upscayl writes 255 while restora's value is at most 7) and a 16-px output border.
import math, re, subprocess, sys
def load(f):
    txt = subprocess.run(['convert', f, '-depth', '8', 'txt:-'], capture_output=True, text=True).stdout
    d = {}
    for m in re.finditer(r'^(\d+),(\d+): \((\d+),(\d+),(\d+)', txt, re.M):
        d[(int(m[1]), int(m[2]))] = (int(m[3]), int(m[4]), int(m[5]))
    return d
for a, b in zip(sys.argv[1::2], sys.argv[2::2]):
    u, r = load(a), load(b)
    w = max(k[0] for k in u) + 1; h = max(k[1] for k in u) + 1
    se_all = se_sound = 0.0; n_all = n_sound = 0; blot = 0
    for k, uv in u.items():
        rv = r[k]
        bad = any(uv[c] == 255 and rv[c] <= 7 for c in range(3))
        blot += bad
        e = sum((uv[c] - rv[c]) ** 2 for c in range(3))
        se_all += e; n_all += 3
        if not bad and 16 <= k[0] < w - 16 and 16 <= k[1] < h - 16:
            se_sound += e; n_sound += 3
    p = lambda se, n: 10 * math.log10(255 ** 2 / (se / n)) if se > 0 else float('inf')
    print(f'{a} vs {b}: {w}x{h}, blotch pixels {blot} ({100.0*blot/len(u):.2f} %), PSNR all {p(se_all, n_all):.2f} dB, '
          f'sound pixels (no blotch, 16-px border off) {p(se_sound, n_sound):.2f} dB')

import type { ImportKind } from './types.ts';

const ASSET_EXT = new Set(
  (
    'json json5 jsonc css scss sass less styl stylus pcss postcss sss svg png jpg jpeg gif webp avif ico bmp ' +
    'tif tiff apng woff woff2 ttf otf eot mp3 mp4 webm ogg wav flac aac m4a mov txt md mdx html htm xml ' +
    'yaml yml toml csv tsv graphql gql wasm pdf glsl vert frag wgsl hbs ejs pug'
  ).split(' '),
);

export function staticKind(specifier: string): ImportKind {
  const q = specifier.indexOf('?');
  if (q >= 0 && /[?&](?:raw|url|inline)\b/.test(specifier.slice(q))) return 'asset';
  const path = q >= 0 ? specifier.slice(0, q) : specifier;
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  if (dot <= slash + 1 || dot === path.length - 1) return 'static';
  return ASSET_EXT.has(path.slice(dot + 1).toLowerCase()) ? 'asset' : 'static';
}

#!/usr/bin/env node
import module from 'node:module';

// Node 22.1+ keeps the code it compiled on disk (the OS temp folder, or NODE_COMPILE_CACHE), so a later run
// skips compiling testloop again: about a third of a short command's start. Older Node has no such cache.
module.enableCompileCache?.();
await import('../dist/cli/main.js');

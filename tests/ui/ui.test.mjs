// The browser tests of inzage's pages: `node --test tests/ui/ui.test.mjs` (tests/ui/run.sh sets
// up the environment). One Chromium for the whole run; every test opens its own contexts.
import { after } from 'node:test';
import { closeShared } from './lib.mjs';
import './security.mjs';
import './citizen.mjs';
import './console.mjs';
import './a11y.mjs';
import './oidc.mjs';

after(closeShared);

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { environmentProxy } from '../../../src/kube/proxy-env.js';

const PROXY = 'http://proxy:3128';

test('the environment proxy for a server, as Go reads HTTPS_PROXY, HTTP_PROXY and NO_PROXY', () => {
  const cases: [server: string, env: NodeJS.ProcessEnv, expected: string | undefined][] = [
    ['https://api.example:6443', {}, undefined],
    ['https://api.example:6443', { HTTPS_PROXY: PROXY }, PROXY],
    ['https://api.example:6443', { HTTPS_PROXY: PROXY, https_proxy: 'http://lower:1' }, PROXY],
    ['https://api.example:6443', { https_proxy: 'http://lower:1' }, 'http://lower:1'],
    ['https://api.example:6443', { HTTP_PROXY: PROXY }, undefined],
    ['http://api.example:8080', { HTTP_PROXY: PROXY }, PROXY],
    ['http://api.example:8080', { http_proxy: PROXY }, PROXY],
    ['http://api.example:8080', { HTTPS_PROXY: PROXY }, undefined],
    ['https://localhost:6443', { HTTPS_PROXY: PROXY }, undefined],
    ['https://127.0.0.2:6443', { HTTPS_PROXY: PROXY }, undefined],
    ['https://[::1]:6443', { HTTPS_PROXY: PROXY }, undefined],
    ['https://128.0.0.1:6443', { HTTPS_PROXY: PROXY }, PROXY],
    ['https://api.example:6443', { HTTPS_PROXY: PROXY, NO_PROXY: '*' }, undefined],
    ['https://api.example:6443', { HTTPS_PROXY: PROXY, NO_PROXY: 'api.example' }, undefined],
    ['https://api.example:6443', { HTTPS_PROXY: PROXY, no_proxy: 'api.example' }, undefined],
    ['https://api.example:6443', { HTTPS_PROXY: PROXY, NO_PROXY: 'API.Example' }, undefined],
    ['https://a.api.example:6443', { HTTPS_PROXY: PROXY, NO_PROXY: 'api.example' }, undefined],
    ['https://a.api.example:6443', { HTTPS_PROXY: PROXY, NO_PROXY: '.api.example' }, undefined],
    ['https://a.api.example:6443', { HTTPS_PROXY: PROXY, NO_PROXY: '*.api.example' }, undefined],
    ['https://xapi.example:6443', { HTTPS_PROXY: PROXY, NO_PROXY: 'api.example' }, PROXY],
    ['https://api.example:6443', { HTTPS_PROXY: PROXY, NO_PROXY: 'other, api.example:6443' }, undefined],
    ['https://api.example:6443', { HTTPS_PROXY: PROXY, NO_PROXY: 'api.example:443' }, PROXY],
    ['https://api.example', { HTTPS_PROXY: PROXY, NO_PROXY: 'api.example:443' }, undefined],
    ['http://api.example', { HTTP_PROXY: PROXY, NO_PROXY: 'api.example:80' }, undefined],
    ['https://10.1.2.3:6443', { HTTPS_PROXY: PROXY, NO_PROXY: '10.0.0.0/8' }, undefined],
    ['https://11.1.2.3:6443', { HTTPS_PROXY: PROXY, NO_PROXY: '10.0.0.0/8' }, PROXY],
    ['https://api.example:6443', { HTTPS_PROXY: PROXY, NO_PROXY: '10.0.0.0/8' }, PROXY],
    ['https://10.1.2.3:6443', { HTTPS_PROXY: PROXY, NO_PROXY: '10.1.2.3' }, undefined],
    ['https://10.1.2.4:6443', { HTTPS_PROXY: PROXY, NO_PROXY: '10.1.2.3' }, PROXY],
    ['https://[fd00::5]:6443', { HTTPS_PROXY: PROXY, NO_PROXY: 'fd00::/64' }, undefined],
    ['https://[fd00::5]:6443', { HTTPS_PROXY: PROXY, NO_PROXY: 'fd00::5' }, undefined],
    ['https://[fd00::5]:6443', { HTTPS_PROXY: PROXY, NO_PROXY: '[fd00::5]:6443' }, undefined],
    ['https://[fd00::5]:6443', { HTTPS_PROXY: PROXY, NO_PROXY: '[fd00::5]:443' }, PROXY],
    ['https://[fd00::5]:6443', { HTTPS_PROXY: PROXY, NO_PROXY: '10.0.0.0/8' }, PROXY],
  ];
  for (const [server, env, expected] of cases) {
    assert.equal(environmentProxy(server, env), expected, `${server} ${JSON.stringify(env)}`);
  }
});

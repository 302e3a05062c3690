import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseImageReference } from '../../../src/local/images/image-reference.js';
import { LocalImageStore, OPERATOR_IMAGE, type ImageInstaller, type LocalImage } from '../../../src/local/images/local-image-store.js';
import { readManifest } from '../../support/manifests.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('parseImageReference', () => {
  const cases: [string, string, string | undefined, string | undefined][] = [
    ['atomix/atomix:3.1.0', 'docker.io/atomix/atomix', '3.1.0', undefined],
    ['docker.io/atomix/atomix:3.1.12', 'docker.io/atomix/atomix', '3.1.12', undefined],
    ['index.docker.io/atomix/atomix:3.1.12', 'docker.io/atomix/atomix', '3.1.12', undefined],
    ['atomix/atomix-bench', 'docker.io/atomix/atomix-bench', undefined, undefined],
    ['busybox', 'docker.io/library/busybox', undefined, undefined],
    ['localhost:5000/team/app:v1', 'localhost:5000/team/app', 'v1', undefined],
    ['quay.io/atomix/atomix', 'quay.io/atomix/atomix', undefined, undefined],
    [`atomix/atomix:3.1.0@${DIGEST}`, 'docker.io/atomix/atomix', '3.1.0', DIGEST],
    [`atomix/atomix@${DIGEST}`, 'docker.io/atomix/atomix', undefined, DIGEST],
  ];
  for (const [image, repository, tag, digest] of cases) {
    test(`reads ${image}`, () => {
      assert.deepEqual(parseImageReference(image), { ok: true, reference: { repository, tag, digest } });
    });
  }

  const invalid: [string, RegExp][] = [
    ['', /empty/],
    [' atomix/atomix:3.1.0', /spaces/],
    ['Atomix/atomix:3.1.0', /repository part "Atomix"/],
    ['atomix/atomix:', /tag "" is not a valid tag/],
    ['atomix/atomix:3.1.0:x', /tag "3.1.0:x"/],
    ['atomix//atomix', /repository part ""/],
    ['atomix/atomix@sha256:zz', /digest sha256:zz/],
    [`a@${DIGEST}@${DIGEST}`, /more than one @/],
  ];
  for (const [image, message] of invalid) {
    test(`refuses ${JSON.stringify(image)}`, () => {
      const parsed = parseImageReference(image);
      assert.equal(parsed.ok, false);
      assert.match(parsed.message, message);
    });
  }
});

/** An image directory with the image.json scripts/install-atomix.sh writes. */
function imageDir(uid: number | null): string {
  const dir = mkdtempSync(join(tmpdir(), 'image-store-test-'));
  const image = {
    root: '/opt/atomix',
    entrypoint: ['./bin/atomix-agent'],
    cmd: [],
    workingDir: '/opt/atomix',
    user: uid === null ? null : { uid, gid: uid },
    env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' },
    writableDirs: ['/opt/atomix/data', '/opt/atomix/log'],
    id: `sha256:${'cd'.repeat(32)}`,
  };
  writeFileSync(join(dir, 'image.json'), JSON.stringify(image));
  return dir;
}

/** Records what it was asked to build and answers from prepared directories. */
function recordingInstaller(dir: string): { installer: ImageInstaller; built: LocalImage[] } {
  const built: LocalImage[] = [];
  return {
    built,
    installer: (image) => {
      built.push(image);
      return Promise.resolve({ ok: true, dir });
    },
  };
}

describe('LocalImageStore.resolve', () => {
  test('an atomix/atomix:3.1.N reference, in any spelling, builds version N and runs the image config', async (t) => {
    const dir = imageDir(1000);
    t.after(() => rmSync(dir, { recursive: true }));
    const { installer, built } = recordingInstaller(dir);
    const store = new LocalImageStore({ installer });
    const resolution = await store.resolve(`docker.io/atomix/atomix:3.1.12@${DIGEST}`);
    assert.deepEqual(built, [{ kind: 'atomix', version: '3.1.12' }]);
    assert.deepEqual(resolution, {
      ok: true,
      runtime: {
        image: `docker.io/atomix/atomix:3.1.12@${DIGEST}`,
        imageID: `docker.io/atomix/atomix@sha256:${'cd'.repeat(32)}`,
        entrypoint: ['./bin/atomix-agent'],
        cmd: [],
        env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' },
        workingDir: '/opt/atomix',
        user: { uid: 1000, gid: 1000 },
        mounts: [{ hostPath: dir, containerPath: '/opt/atomix', readOnly: true }],
        writableDirs: ['/opt/atomix/data', '/opt/atomix/log'],
      },
    });
  });

  test('builds each image once, however many pods ask at the same time', async (t) => {
    const dir = imageDir(null);
    t.after(() => rmSync(dir, { recursive: true }));
    const { installer, built } = recordingInstaller(dir);
    const store = new LocalImageStore({ installer });
    const images = ['atomix/atomix:3.1.0', 'docker.io/atomix/atomix:3.1.0', 'atomix/atomix-bench', 'atomix/atomix-bench:latest'];
    const resolutions = await Promise.all(images.map((image) => store.resolve(image)));
    assert.ok(resolutions.every((resolution) => resolution.ok));
    assert.deepEqual(built, [{ kind: 'atomix', version: '3.1.0' }, { kind: 'atomix-bench' }]);
    const [first] = resolutions;
    assert.equal(first?.ok && first.runtime.user, undefined, 'an image without USER runs as root');
  });

  test('a failed build is an ErrImagePull with the reason, and is tried again at the next resolve', async () => {
    let attempts = 0;
    const store = new LocalImageStore({
      installer: () => {
        attempts++;
        return Promise.resolve({ ok: false, message: 'Maven could not reach Maven Central' });
      },
    });
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(await store.resolve('atomix/atomix:3.1.5'), {
        ok: false,
        reason: 'ErrImagePull',
        message: 'cannot run atomix/atomix:3.1.5: Maven could not reach Maven Central',
      });
    }
    assert.equal(attempts, 2);
  });

  test('deploy/operator.yaml names the operator image this checkout builds; its extra mounts are read-only', async (t) => {
    const operator = readManifest('deploy/operator.yaml') as { spec: { template: { spec: { containers: { image: string }[] } } } };
    assert.equal(operator.spec.template.spec.containers[0]?.image, OPERATOR_IMAGE);
    const dir = mkdtempSync(join(tmpdir(), 'image-store-test-'));
    t.after(() => rmSync(dir, { recursive: true }));
    const config = { root: '/app', entrypoint: ['node', 'bin/atomix-operator.js'], cmd: ['run'], workingDir: '/app', user: { uid: 65532, gid: 65532 }, env: {}, writableDirs: [], id: 'sha256:1' };
    writeFileSync(join(dir, 'image.json'), JSON.stringify({ ...config, mounts: [{ hostPath: '/opt/node-20/bin', containerPath: '/opt/node/bin' }] }));
    const { installer, built } = recordingInstaller(dir);
    const resolution = await new LocalImageStore({ installer }).resolve(`docker.io/${OPERATOR_IMAGE}`);
    assert.deepEqual(built, [{ kind: 'operator' }]);
    assert.ok(resolution.ok);
    assert.deepEqual(resolution.runtime.mounts, [
      { hostPath: dir, containerPath: '/app', readOnly: true },
      { hostPath: '/opt/node-20/bin', containerPath: '/opt/node/bin', readOnly: true },
    ]);
    assert.deepEqual([resolution.runtime.entrypoint, resolution.runtime.cmd, resolution.runtime.user], [config.entrypoint, config.cmd, config.user]);
  });

  const refused: [string, string, RegExp][] = [
    ['atomix/atomix-operator:0.0.1', 'ErrImagePull', /builds only this checkout's operator, atomix\/atomix-operator:/],
    ['atomix/atomix', 'ErrImagePull', /atomix\/atomix:latest is not an Atomix 3.1 release/],
    ['atomix/atomix:3.0.8', 'ErrImagePull', /atomix\/atomix:3.0.8 is not an Atomix 3.1 release/],
    ['atomix/atomix:3.1.05', 'ErrImagePull', /not an Atomix 3.1 release/],
    [`atomix/atomix@${DIGEST}`, 'ErrImagePull', /a digest alone does not say which version to build/],
    ['atomix/atomix-bench:3.1.0', 'ErrImagePull', /only ever published as atomix\/atomix-bench:latest/],
    ['quay.io/atomix/atomix:3.1.0', 'ErrImagePull', /only the images it builds itself/],
    ['nginx:1.27', 'ErrImagePull', /only the images it builds itself/],
    ['Atomix/Atomix:3.1.0', 'InvalidImageName', /invalid image name/],
  ];
  for (const [image, reason, message] of refused) {
    test(`refuses ${image} with ${reason}, building nothing`, async () => {
      const { installer, built } = recordingInstaller('/nonexistent');
      const resolution = await new LocalImageStore({ installer }).resolve(image);
      assert.equal(resolution.ok, false);
      assert.equal(resolution.reason, reason);
      assert.match(resolution.message, message);
      assert.deepEqual(built, []);
    });
  }

  test('with the install script, a release that is not on Maven Central is an ErrImagePull that says so', async () => {
    const resolution = await new LocalImageStore().resolve('atomix/atomix:3.1.4');
    assert.equal(resolution.ok, false);
    assert.equal(resolution.reason, 'ErrImagePull');
    assert.match(
      resolution.message,
      /^cannot run atomix\/atomix:3\.1\.4: Atomix 3\.1\.4 is not published on Maven Central.*\(published 3\.1\.x releases: 3\.1\.0, 3\.1\.5, 3\.1\.9, 3\.1\.10, 3\.1\.12\)$/,
    );
  });
});

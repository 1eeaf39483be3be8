import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HandlerFunction, handlerBundleTarget, handlerRuntime } from '../../lib/handlerFunction.ts';
import { repositoryRoot } from '../../lib/repositoryRoot.ts';
import { logicalIdOf, type SynthesizedPipeline, synthesizePipeline } from './support/synthesizedPipeline.ts';

/**
 * Production runs one Node major: the one in .nvmrc (the exact version .ci/run tests with).
 * Every other place that has to name it — the Lambda runtime and bundle target, the container
 * image's base images and bundle target, GitLab CI's image — is checked against it here, so a
 * bump that misses one fails instead of shipping two majors.
 */
const read = (path: string): string => readFileSync(join(repositoryRoot, path), 'utf8');

const nvmrc = read('.nvmrc').trim();
const productionVersion = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(nvmrc);
const productionMajor = Number(productionVersion?.[1]);

/** Every match of `pattern`'s first group, as numbers. */
const majors = (text: string, pattern: RegExp): number[] =>
  [...text.matchAll(pattern)].map((match) => Number(match[1]));

let pipeline: SynthesizedPipeline;
beforeAll(() => {
  pipeline = synthesizePipeline({ environments: ['dev'] });
});

describe(`one production Node major (.nvmrc: ${nvmrc})`, () => {
  it('.nvmrc holds one exact version, which package.json engines admits', () => {
    expect(productionVersion, 'MAJOR.MINOR.PATCH: .ci/run installs exactly this version').not.toBeNull();
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const floor = /^>=(\d+)\.(\d+)$/.exec(engines);
    expect(floor, `engines.node is ">=MAJOR.MINOR", not ${engines}`).not.toBeNull();
    const [major, minor] = [Number(productionVersion?.[1]), Number(productionVersion?.[2])];
    const [floorMajor, floorMinor] = [Number(floor?.[1]), Number(floor?.[2])];
    expect(major > floorMajor || (major === floorMajor && minor >= floorMinor)).toBe(true);
  });

  it('the Lambdas run it and are bundled for it', () => {
    expect(handlerRuntime.name).toBe(`nodejs${productionMajor}.x`);
    expect(handlerBundleTarget).toBe(`node${productionMajor}`);
    // Every handler of the stack, in the template as deployed (CDK's own custom-resource
    // functions follow aws-cdk-lib, not this project).
    const stack = pipeline.stack('dev');
    const functions = pipeline.template('dev').findResources('AWS::Lambda::Function');
    const handlers = stack.node.findAll().filter((construct) => construct instanceof HandlerFunction);
    expect(handlers.length).toBeGreaterThan(0);
    for (const handler of handlers) {
      const resource = functions[logicalIdOf(stack, handler.function)];
      expect(resource?.Properties?.Runtime, handler.node.path).toBe(`nodejs${productionMajor}.x`);
    }
  });

  it('both stages of the container image are built on it, and the bundle targets it', () => {
    const dockerfile = read('containers/Dockerfile');
    const fromLines = dockerfile.split('\n').filter((line) => /^FROM\s/i.test(line));
    expect(fromLines).toHaveLength(2);
    expect(majors(fromLines.join('\n'), /^FROM node:(\d+)-slim\b/gm)).toEqual([
      productionMajor,
      productionMajor,
    ]);
    expect(majors(dockerfile, /--target=node(\d+)\b/g)).toEqual([productionMajor]);
  });

  it("GitLab CI synthesizes and deploys with it, and tests it besides the quick start's floor", () => {
    const gitlab = read('.gitlab-ci.yml');
    expect(majors(gitlab, /^\s+NODE_IMAGE: node:(\d+)-bookworm$/gm)).toEqual([productionMajor]);
    const tested = /^\s+- TEST_NODE_MAJOR: \[([^\]]*)\]$/m.exec(gitlab);
    expect(tested, 'the test job runs a matrix of TEST_NODE_MAJOR').not.toBeNull();
    const testedMajors = (tested?.[1] ?? '')
      .split(',')
      .map((value) => Number(value.trim().replaceAll('"', '')));
    expect(testedMajors).toContain(productionMajor);
  });
});

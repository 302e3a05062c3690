// Where the pods' images come from: by default atomix/atomix:<version> and atomix-bench's only
// tag; a private registry or mirror is named with the Kubernetes container and pod fields
// (image, imagePullPolicy, imagePullSecrets). spec.version still says which Atomix release runs.
import { Type } from '@sinclair/typebox';
import { DNS_SUBDOMAIN_PATTERN, MAX_DNS_SUBDOMAIN, strict, stringEnum } from './schema-kit.js';

/** Any reference a container runtime could pull: one word, no spaces (Kubernetes checks no more). */
export const IMAGE_PATTERN = '^\\S+$';
export const IMAGE_PATTERN_MEANING = 'must be an image reference such as registry.example.com/atomix/atomix:3.1.12, without spaces';
const MAX_IMAGE_LENGTH = 512;
const MAX_PULL_SECRETS = 16;

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

const image = (description: string) => Type.String({ description, minLength: 1, maxLength: MAX_IMAGE_LENGTH, pattern: IMAGE_PATTERN });

export const imageFields = {
  image: Type.Optional(
    image(
      'Image of the Atomix nodes, e.g. from a private registry or mirror; default atomix/atomix:<version>. ' +
        'It must run the Atomix release named by version.',
    ),
  ),
  imagePullPolicy: stringEnum(PULL_POLICIES, {
    default: 'IfNotPresent',
    description: 'When the kubelet pulls the images of every pod of the cluster: Always, IfNotPresent or Never.',
  }),
  imagePullSecrets: Type.Optional(
    Type.Array(
      Type.Object(
        { name: Type.String({ minLength: 1, maxLength: MAX_DNS_SUBDOMAIN, pattern: DNS_SUBDOMAIN_PATTERN, description: 'Name of a Secret of type kubernetes.io/dockerconfigjson in the namespace.' }) },
        strict,
      ),
      { maxItems: MAX_PULL_SECRETS, description: 'Secrets the kubelet uses to pull the images of every pod of the cluster.' },
    ),
  ),
};

export const benchImage = image(
  'Image of the benchmark nodes; default atomix/atomix-bench:latest, which can join only Atomix 3.1.0–3.1.5. ' +
    'Required from version 3.1.6: an atomix-bench image built for that release.',
);

import { parseAllDocuments } from 'yaml';
import { OpenSloError, YamlNode } from './yaml-node.js';

export const OPENSLO_API_VERSION = 'openslo/v1';
export const OPENSLO_KINDS = ['SLO', 'SLI', 'AlertPolicy', 'AlertCondition', 'AlertNotificationTarget', 'DataSource', 'Service'] as const;
export type OpenSloKind = (typeof OPENSLO_KINDS)[number];

/** One top-level OpenSLO object: its kind, name and the node of the whole document. */
export interface OpenSloObject {
  readonly kind: OpenSloKind;
  readonly name: string;
  readonly node: YamlNode;
}

/** Object names that also travel in URLs (/v1/slos/:name): RFC 1123 labels, extended as the spec encourages. */
export const OBJECT_NAME_PATTERN = '^[A-Za-z0-9]([A-Za-z0-9._-]{0,253}[A-Za-z0-9])?$';
const OBJECT_NAME = new RegExp(OBJECT_NAME_PATTERN);

/** Reads `metadata.name` of a document or of an inlined object. */
export function objectName(node: YamlNode): string {
  const name = node.child('metadata').child('name');
  const text = name.string();
  if (!OBJECT_NAME.test(text)) name.fail('must be 1-255 letters, digits, ".", "_" or "-", starting and ending with a letter or digit');
  return text;
}

/**
 * The OpenSLO objects of a YAML text (one or more `---`-separated documents).
 * Paths in errors start at the document (`spec.service`), prefixed with
 * `documents[i].` when the text holds more than one.
 */
export function readOpenSloObjects(text: string): OpenSloObject[] {
  const documents = parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [documents];
  const many = list.length > 1;
  return list.map((document, index) => {
    const root = many ? `documents[${index}]` : '';
    const error = document.errors[0];
    if (error) throw new OpenSloError(root || '(document)', `not valid YAML: ${error.message.split('\n')[0] ?? ''}`);
    const node = new YamlNode(document.toJS(), root);
    const apiVersion = node.child('apiVersion');
    if (apiVersion.value !== OPENSLO_API_VERSION) apiVersion.fail(`must be ${OPENSLO_API_VERSION}`);
    const kind = node.child('kind').oneOf(OPENSLO_KINDS);
    return { kind, name: objectName(node), node };
  });
}

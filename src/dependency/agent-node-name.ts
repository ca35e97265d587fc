// The name of the agent's own node, from /v1/agent/self: what consul-template's `node` without a
// name reads. Consul answers it without an index; a node's name only changes when its agent
// restarts under another one, so it is read again once a minute.
import type { ConsulAnswer, Dependency } from './dependency.ts';
import { expectRecord, stringField } from './answer-shape.ts';

export function agentNodeName(): Dependency<string> {
  const id = 'agent.self(NodeName)';
  return {
    id,
    query: { path: '/v1/agent/self', params: {} },
    pollMs: 60_000,
    parse(answer: ConsulAnswer): string {
      if (!answer.found) throw new Error(`${id}: unexpected answer from Consul: /v1/agent/self was not found`);
      const config = expectRecord(expectRecord(answer.body, id, 'the answer')['Config'], id, 'Config');
      const name = stringField(config, 'NodeName', id);
      if (name === '') throw new Error(`${id}: unexpected answer from Consul: the agent has no NodeName`);
      return name;
    },
  };
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGatewaySchema, printGatewaySchema } from '../src/graphql/schema';

describe('schema.graphql', () => {
  it('is the SDL printed from the code (run `npm run schema` after changing the schema)', async () => {
    const committed = readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(committed).toBe(await printGatewaySchema());
  });

  it('keeps the contract clients depend on', async () => {
    const sdl = await printGatewaySchema();
    expect(sdl).toContain('setGroupMemberUnreadCount(\n    """');
    expect(sdl).toMatch(/input SetGroupMemberUnreadCountInput \{[\s\S]*groupId: ID![\s\S]*memberAccount: ID![\s\S]*unreadCount: Int!/);
    expect(sdl).toMatch(/setGroupMemberUnreadCount\([\s\S]*input: SetGroupMemberUnreadCountInput!\s*\): SetGroupMemberUnreadCountPayload!/);
    expect(sdl).toMatch(/imGateway: ImGatewayStatus!/);
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.3"');
    expect(sdl).toMatch(/type GroupMember\s+@key\(fields: "groupId memberAccount"\)/);
    expect(sdl).toMatch(/type Group\s+@key\(fields: "id"\)/);
  });

  it('describes every type, field and argument (what people read in Apollo Studio)', async () => {
    const { isObjectType, isInputObjectType } = await import('graphql');
    const schema = await buildGatewaySchema();
    const federationTypes = ['_Service', '_Entity', '_Any', 'link__Import', 'link__Purpose', 'FieldSet', 'federation__FieldSet', 'federation__Scope', 'federation__Policy', 'federation__ContextFieldValue'];
    const undescribed: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || federationTypes.includes(type.name) || ['String', 'Int', 'Boolean', 'ID', 'Float'].includes(type.name)) continue;
      if (!['Query', 'Mutation'].includes(type.name) && !type.description) undescribed.push(type.name);
      if (isObjectType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (field.name.startsWith('_')) continue; // _service, _entities: Federation's own
          if (!field.description) undescribed.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) if (!arg.description) undescribed.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
    }
    expect(undescribed).toEqual([]);
  });
});

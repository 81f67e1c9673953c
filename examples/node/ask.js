// Asks the Mesh agent a question from Node.js, discovering the API through server reflection.
//   MESH_API_KEY=mesh-dev-admin-key node ask.js "What is Mesh?"
const grpc = require('@grpc/grpc-js');
const { Client: ReflectionClient } = require('grpc-reflection-js');

const address = process.env.MESH_AGENTS_ADDRESS || '127.0.0.1:5104';
const apiKey = process.env.MESH_API_KEY;
const question = process.argv[2] || 'What is Mesh?';

async function main() {
  if (!apiKey) throw new Error('set MESH_API_KEY');
  const reflection = new ReflectionClient(address, grpc.credentials.createInsecure());
  const services = await reflection.listServices();
  console.log(`services at ${address}: ${services.join(', ')}`);

  const root = await reflection.fileContainingSymbol('mesh.agents.v1.Agents');
  const Agents = grpc.loadPackageDefinition(toPackageDefinition(root)).mesh.agents.v1.Agents;
  const agents = new Agents(address, grpc.credentials.createInsecure());

  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${apiKey}`);
  const call = agents.RunAgent({ input: question }, metadata, { deadline: Date.now() + 60_000 });
  await new Promise((resolve, reject) => {
    call.on('data', (event) => {
      if (event.step) console.log(`step ${event.sequence}: ${event.step.kind} ${event.step.name}: ${event.step.summary}`);
      if (event.completed) console.log(`answer: ${event.completed.answer}`);
    });
    call.on('error', reject);
    call.on('end', resolve);
  });
}

// grpc-reflection-js returns a protobufjs Root; grpc-js wants a package definition.
function toPackageDefinition(root) {
  const definition = {};
  const visit = (ns, prefix) => {
    for (const nested of ns.nestedArray) {
      const name = prefix ? `${prefix}.${nested.name}` : nested.name;
      if (nested.methods) {
        const service = {};
        for (const method of Object.values(nested.methods)) {
          method.resolve();
          const requestType = method.resolvedRequestType;
          const responseType = method.resolvedResponseType;
          service[method.name] = {
            path: `/${name}/${method.name}`,
            requestStream: !!method.requestStream,
            responseStream: !!method.responseStream,
            requestSerialize: (value) => Buffer.from(requestType.encode(requestType.fromObject(value)).finish()),
            requestDeserialize: (bytes) => requestType.toObject(requestType.decode(bytes)),
            responseSerialize: (value) => Buffer.from(responseType.encode(responseType.fromObject(value)).finish()),
            responseDeserialize: (bytes) => responseType.toObject(responseType.decode(bytes), { longs: String, enums: String, defaults: true, oneofs: true }),
            originalName: method.name,
          };
        }
        definition[name] = service;
      }
      if (nested.nestedArray) visit(nested, name);
    }
  };
  visit(root, '');
  return definition;
}

main().catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});

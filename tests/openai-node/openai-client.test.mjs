// The official openai npm client (6.x, Node 20) against a running Mesh inference: run by
// Mesh.Inference.Tests (OpenAiNodeClientTests) with MESH_OPENAI_URL, MESH_API_KEY and the models.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = process.env.MESH_OPENAI_URL;
const apiKey = process.env.MESH_API_KEY;
const chatModel = process.env.MESH_CHAT_MODEL ?? 'tiny-gpt';
const embedModel = process.env.MESH_EMBED_MODEL ?? 'all-MiniLM-L6-v2';
const toolModel = process.env.MESH_TOOL_MODEL ?? chatModel;
const hostedModel = process.env.MESH_HOSTED_MODEL;
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60_000 });

test('models lists the embedding and chat models', async () => {
  const ids = [];
  for await (const model of client.models.list()) ids.push(model.id);
  assert.ok(ids.includes(embedModel), ids.join(', '));
  assert.ok(ids.includes(chatModel), ids.join(', '));
});

test('chat answers with text and usage', async () => {
  const answer = await client.chat.completions.create({
    model: chatModel, messages: [{ role: 'user', content: 'Who was the first king?' }], max_tokens: 12, temperature: 0,
  });
  assert.equal(answer.object, 'chat.completion');
  assert.equal(answer.choices[0].message.role, 'assistant');
  assert.ok(answer.choices[0].message.content.length > 0);
  assert.ok(answer.usage.completion_tokens > 0 && answer.usage.completion_tokens <= 12);
  assert.equal(answer.usage.total_tokens, answer.usage.prompt_tokens + answer.usage.completion_tokens);
});

test('chat stream ends with the usage chunk', async () => {
  const stream = await client.chat.completions.create({
    model: chatModel, messages: [{ role: 'user', content: 'And the king said' }], max_tokens: 16, temperature: 0.7, seed: 7,
    stream: true, stream_options: { include_usage: true },
  });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  const text = chunks.flatMap(c => c.choices.map(choice => choice.delta.content ?? '')).join('');
  const last = chunks.at(-1);
  console.log(`stream: ${chunks.length} chunks, text ${JSON.stringify(text)}, last chunk ${JSON.stringify(last)}`);
  assert.ok(text.length > 0);
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  assert.ok(chunks.some(c => c.choices[0]?.finish_reason), 'a chunk carries the finish reason');
  assert.deepEqual(last.choices, []);
  assert.ok(last.usage.completion_tokens > 0 && last.usage.completion_tokens <= 16);
  assert.ok(chunks.every(c => c.id === last.id && c.id.startsWith('chatcmpl-')));
});

test('embeddings come back as vectors (the client asks for base64)', async () => {
  const result = await client.embeddings.create({ model: embedModel, input: ['hello world', 'the mesh meters every call'] });
  assert.equal(result.data.length, 2);
  assert.equal(result.data[0].embedding.length, 384);
  const norm = Math.sqrt(result.data[0].embedding.reduce((s, v) => s + v * v, 0));
  assert.ok(Math.abs(norm - 1) < 1e-3, `unit length, was ${norm}`);
  assert.ok(result.usage.prompt_tokens > 0);
});

test('a required tool is called with arguments of its schema', async () => {
  const answer = await client.chat.completions.create({
    model: toolModel, max_tokens: 48, temperature: 0.8, seed: 3,
    messages: [{ role: 'user', content: 'What is 6 times 7?' }],
    tools: [{ type: 'function', function: { name: 'calculator', description: 'evaluates arithmetic',
      parameters: { type: 'object', properties: { expression: { type: 'string', maxLength: 16 }, precise: { type: 'boolean' } }, required: ['expression', 'precise'], additionalProperties: false } } }],
    tool_choice: 'required',
  });
  const call = answer.choices[0].message.tool_calls[0];
  assert.equal(answer.choices[0].finish_reason, 'tool_calls');
  assert.equal(call.function.name, 'calculator');
  const args = JSON.parse(call.function.arguments);
  assert.equal(typeof args.expression, 'string');
  assert.ok(args.expression.length <= 16);
  assert.equal(typeof args.precise, 'boolean');
});

test('an unsupported parameter is a 400 naming it', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: chatModel, messages: [{ role: 'user', content: 'hi' }], n: 2 }),
    e => e instanceof OpenAI.BadRequestError && e.status === 400 && e.param === 'n' && e.code === 'unsupported_parameter');
});

test('an unknown model is a 404', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'gpt-17', messages: [{ role: 'user', content: 'hi' }] }),
    e => e instanceof OpenAI.NotFoundError && e.code === 'model_not_found');
});

test('a forged key and a missing key are 401', async () => {
  const forged = new OpenAI({ baseURL, apiKey: 'mesh_forged_000000000000000000000000000000000000000000', maxRetries: 0 });
  await assert.rejects(forged.models.list(), e => e instanceof OpenAI.AuthenticationError && e.status === 401);
  const response = await fetch(`${baseURL}/models`);
  assert.equal(response.status, 401);
  assert.equal((await response.json()).error.code, 'invalid_api_key');
});

test('a hosted model answers through its upstream, streamed', { skip: !hostedModel }, async () => {
  const stream = await client.chat.completions.create({
    model: hostedModel, messages: [{ role: 'user', content: 'And God said' }], max_tokens: 10, temperature: 0,
    stream: true, stream_options: { include_usage: true },
  });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  const text = chunks.flatMap(c => c.choices.map(choice => choice.delta.content ?? '')).join('');
  console.log(`hosted ${hostedModel}: ${JSON.stringify(text)} usage ${JSON.stringify(chunks.at(-1).usage)}`);
  assert.ok(text.length > 0);
  assert.ok(chunks.at(-1).usage.completion_tokens > 0);
});

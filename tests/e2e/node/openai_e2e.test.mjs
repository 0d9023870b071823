// End-to-end: the official `openai` npm client against semrouter (config
// config/examples/two-backends.yaml) in front of two mock upstreams named
// "small" and "large", and against the "small" mock directly (the mock must be
// OpenAI-compatible for the router tests to mean anything). Started by
// tests/e2e/openai_client_test.sh, which passes:
//   SEMROUTER_URL   http://127.0.0.1:PORT of the router (unset: router tests skipped)
//   MOCK_SMALL_URL  http://127.0.0.1:PORT of the "small" mock (admin endpoints)
//   MOCK_LARGE_URL  http://127.0.0.1:PORT of the "large" mock
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const ROUTER = process.env.SEMROUTER_URL;
const SMALL = process.env.MOCK_SMALL_URL;
const LARGE = process.env.MOCK_LARGE_URL;
assert.ok(SMALL, 'MOCK_SMALL_URL must be set');

// No client retries: a fallback must be the router's doing, not the SDK's.
const options = { apiKey: 'x', maxRetries: 0, timeout: 10_000 };
const client = ROUTER ? new OpenAI({ ...options, baseURL: `${ROUTER}/v1` }) : null;
const mock = new OpenAI({ ...options, baseURL: `${SMALL}/v1` });
const BASE = ROUTER;

const user = (content) => [{ role: 'user', content }];

async function setBehavior(mockUrl, behavior) {
  const res = await fetch(`${mockUrl}/mock/behavior`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(behavior),
  });
  assert.equal(res.status, 200, await res.text());
}

async function collect(stream) {
  let content = '';
  let finish = null;
  let usage = null;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    assert.equal(chunk.object, 'chat.completion.chunk');
    const choice = chunk.choices[0];
    if (choice?.delta?.content) content += choice.delta.content;
    if (choice?.finish_reason) finish = choice.finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  return { content, finish, usage, chunks };
}

function assertUsage(usage) {
  assert.ok(usage, 'usage missing');
  assert.ok(usage.prompt_tokens > 0, JSON.stringify(usage));
  assert.ok(usage.completion_tokens > 0, JSON.stringify(usage));
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
}

describe('through semrouter', { skip: !ROUTER && 'SEMROUTER_URL unset: mock only' }, () => {
  after(async () => {
    if (LARGE) await setBehavior(LARGE, {});
  });

  test('model "auto", plain prompt: answered by small, decision headers set', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'auto', messages: user('Write a haiku about the sea') })
      .withResponse();
    assert.equal(response.headers.get('x-semrouter-model'), 'small');
    assert.ok(response.headers.get('x-semrouter-rule'), 'x-semrouter-rule missing');
    assert.match(response.headers.get('x-semrouter-overhead-us') ?? '', /^\d+$/);
    assert.equal(data.object, 'chat.completion');
    assert.match(data.choices[0].message.content, /^\[small\]/);
    assert.match(data.choices[0].message.content, /haiku about the sea/);
    assertUsage(data.usage);
  });

  test('model "auto", "prove": answered by large', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'auto', messages: user('Prove that there are infinitely many primes') })
      .withResponse();
    assert.equal(response.headers.get('x-semrouter-model'), 'large');
    assert.match(data.choices[0].message.content, /^\[large\]/);
  });

  test('streaming: chunks assemble the answer and the stream ends', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'auto', messages: user('Tell me a story [mock:chunks=12]'), stream: true })
      .withResponse();
    assert.equal(response.headers.get('x-semrouter-model'), 'small');
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const r = await collect(stream);
    assert.ok(r.chunks >= 12, `only ${r.chunks} chunks`);
    assert.match(r.content, /^\[small\] mock answer to: "Tell me a story"/);
    assert.equal(r.finish, 'stop');
    assert.equal(r.usage, null);
  });

  test('streaming with include_usage: final usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'auto',
      messages: user('Explain step by step how TCP works'),
      stream: true,
      stream_options: { include_usage: true },
    });
    const r = await collect(stream);
    assert.match(r.content, /^\[large\]/);
    assertUsage(r.usage);
  });

  test('concrete model name "small" passes through', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'small', messages: user('Prove it anyway') })
      .withResponse();
    assert.equal(response.headers.get('x-semrouter-model'), 'small');
    assert.match(data.choices[0].message.content, /^\[small\]/);
    const last = await (await fetch(`${SMALL}/mock/last_request`)).json();
    assert.match(last.body, /Prove it anyway/);
  });

  test('unknown model: NotFoundError (404)', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'no-such-model', messages: user('hi') }),
      (err) => {
        assert.ok(err instanceof OpenAI.NotFoundError, `got ${err?.constructor?.name}: ${err?.message}`);
        assert.equal(err.status, 404);
        return true;
      },
    );
  });

  test('fallback: large fails with 500, "prove" is answered by small', async () => {
    await setBehavior(LARGE, { fault: '500' });
    try {
      const { data } = await client.chat.completions
        .create({ model: 'auto', messages: user('Prove the Pythagorean theorem') })
        .withResponse();
      assert.match(data.choices[0].message.content, /^\[small\]/);
      const stats = await (await fetch(`${LARGE}/mock/stats`)).json();
      assert.ok((stats.by_fault['500'] ?? 0) >= 1, JSON.stringify(stats));
    } finally {
      await setBehavior(LARGE, {});
    }
  });

  test('upstream drops mid-stream: the client gets an error, not a short answer', async () => {
    const stream = await client.chat.completions.create({
      model: 'small',
      messages: user('[mock:fault=drop_mid_stream,chunks=8,drop_after_chunks=2]'),
      stream: true,
    });
    await assert.rejects(collect(stream));
  });

  test('malformed request: BadRequestError (400)', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'auto', messages: 'not a list' }),
      (err) => {
        assert.ok(err instanceof OpenAI.BadRequestError, `got ${err?.constructor?.name}: ${err?.message}`);
        assert.equal(err.status, 400);
        return true;
      },
    );
    const raw = await fetch(`${BASE}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": "auto", "messages": [',
    });
    assert.equal(raw.status, 400);
    assert.ok((await raw.json()).error, 'OpenAI-shaped error object expected');
  });

  test('spent per-key budget: RateLimitError, and the SDK does not retry it', async () => {
    // The script adds `budgets: { keys: [{ key: sk-e2e-spent, usd: 0 }] }` to the config.
    const budgetErrors = async () => {
      const text = await (await fetch(`${BASE}/metrics`)).text();
      const m = text.match(/^semrouter_errors_total\{code="budget_exceeded"\} (\d+)/m);
      return m ? Number(m[1]) : 0;
    };
    const before = await budgetErrors();
    // Retries on: the SDK would retry a 429 twice unless told not to.
    const spent = new OpenAI({ ...options, apiKey: 'sk-e2e-spent', maxRetries: 2, baseURL: `${BASE}/v1` });
    await assert.rejects(
      spent.chat.completions.create({ model: 'auto', messages: user('hello') }),
      (err) => {
        assert.ok(err instanceof OpenAI.RateLimitError, `got ${err?.constructor?.name}: ${err?.message}`);
        assert.equal(err.status, 429);
        assert.equal(err.code, 'budget_exceeded');
        assert.equal(err.headers.get('x-should-retry'), 'false');
        assert.ok(Number(err.headers.get('retry-after')) > 0, 'retry-after: when the window ends');
        return true;
      },
    );
    assert.equal(await budgetErrors(), before + 1, 'one attempt: x-should-retry: false was honoured');
    // Other keys are not limited.
    const other = await client.chat.completions.create({ model: 'auto', messages: user('hello') });
    assert.ok(other.choices[0].message.content);
  });

  test('GET /v1/models lists the configured models', async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    for (const id of ['small', 'large']) assert.ok(ids.includes(id), `${id} not in ${ids}`);
  });
});

describe('mock upstream directly', () => {
  test('non-streaming completion', async () => {
    const { data, response } = await mock.chat.completions
      .create({ model: 'anything', messages: user('hello mock') })
      .withResponse();
    assert.equal(response.headers.get('x-mock-backend'), 'small');
    assert.equal(data.model, 'small');
    assert.match(data.choices[0].message.content, /^\[small\] mock answer to: "hello mock"/);
    assertUsage(data.usage);
  });

  test('streaming with usage', async () => {
    const stream = await mock.chat.completions.create({
      model: 'x',
      messages: user('stream me [mock:chunks=9,chunk_delay_ms=2]'),
      stream: true,
      stream_options: { include_usage: true },
    });
    const r = await collect(stream);
    assert.equal(r.chunks, 1 + 9 + 1 + 1);
    assert.match(r.content, /^\[small\]/);
    assert.equal(r.finish, 'stop');
    assertUsage(r.usage);
  });

  test('faults map onto the SDK error classes', async () => {
    const cases = [
      ['[mock:fault=500]', OpenAI.InternalServerError],
      ['[mock:fault=429,retry_after_s=0]', OpenAI.RateLimitError],
    ];
    for (const [prompt, cls] of cases) {
      await assert.rejects(mock.chat.completions.create({ model: 'x', messages: user(prompt) }), cls);
    }
    await assert.rejects(mock.chat.completions.create({ model: 'x', messages: user('[mock:fault=reset]') }),
      OpenAI.APIConnectionError);
    await assert.rejects(mock.chat.completions.create({ model: 'x' }), OpenAI.BadRequestError);
    await assert.rejects(mock.models.retrieve('nope'), OpenAI.NotFoundError);
  });

  test('dropped stream surfaces as an error, not a silent short answer', async () => {
    const stream = await mock.chat.completions.create({
      model: 'x',
      messages: user('[mock:fault=drop_mid_stream,chunks=8,drop_after_chunks=2]'),
      stream: true,
    });
    await assert.rejects(collect(stream));
  });

  test('models list', async () => {
    const ids = [];
    for await (const m of mock.models.list()) ids.push(m.id);
    assert.deepEqual(ids, ['small']);
  });
});

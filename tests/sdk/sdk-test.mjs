// The official OpenAI Node SDK, unchanged, as a client of the gateway.
// Run by tests/it/sdk.sh with the gateway, the mock upstream and the keys
// already set up; the environment carries what it needs:
//   GATEWAY      base URL of the gateway, e.g. http://127.0.0.1:8080/v1
//   KEY          a key with quota left
//   SPENT_KEY    a key whose user has used up today's quota
//   REVOKED_KEY  a revoked key
//   UPSTREAM_LOG the mock upstream's record file (one JSON line a request)
//   USER_ID      the user KEY belongs to
// It prints one "ok - ..." or "FAIL - ..." line per check and exits 1 if
// any check failed.
import { readFileSync } from "node:fs";
import OpenAI from "openai";

const env = process.env;
let failed = 0;

function check(name, condition, detail) {
  if (condition) {
    console.log(`ok - ${name}`);
  } else {
    failed++;
    console.log(`FAIL - ${name}${detail === undefined ? "" : ": " + detail}`);
  }
}

// A fetch that counts the HTTP requests the SDK makes.
function countingFetch() {
  const counter = { requests: 0 };
  counter.fetch = (url, init) => {
    counter.requests++;
    return fetch(url, init);
  };
  return counter;
}

function client(apiKey, counter) {
  return new OpenAI({
    apiKey,
    baseURL: env.GATEWAY,
    fetch: counter ? counter.fetch : undefined,
    timeout: 20000,
  });
}

function upstreamRecords() {
  return readFileSync(env.UPSTREAM_LOG, "utf8")
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line));
}

async function chatCompletion() {
  const before = upstreamRecords().length;
  const completion = await client(env.KEY).chat.completions.create({
    model: "mock-model",
    messages: [{ role: "user", content: "Say hello" }],
  });
  check("chat completion returns a message",
    typeof completion.choices[0].message.content === "string");
  const records = upstreamRecords().slice(before);
  check("upstream saw one request", records.length === 1,
    `saw ${records.length}`);
  const headers = records.length ? records[0].headers : {};
  check("upstream saw the resolved user",
    headers["x-dripline-user"] === env.USER_ID,
    `got ${headers["x-dripline-user"]}`);
  check("upstream did not see the key",
    !JSON.stringify(records).includes(env.KEY));
}

async function streamedCompletion() {
  const stream = await client(env.KEY).chat.completions.create({
    model: "mock-model",
    stream: true,
    messages: [{ role: "user", content: "Count to five" }],
  });
  const arrivals = [];
  let text = "";
  for await (const chunk of stream) {
    arrivals.push(performance.now());
    text += chunk.choices[0]?.delta?.content ?? "";
  }
  check("stream delivered chunks", arrivals.length >= 3,
    `${arrivals.length} chunks`);
  check("stream delivered text", text.length > 0);
  // The mock waits between chunks. A buffering proxy would hand them
  // over in one burst; count the separate bursts that arrived.
  let bursts = arrivals.length > 0 ? 1 : 0;
  for (let i = 1; i < arrivals.length; i++) {
    if (arrivals[i] - arrivals[i - 1] > 50) bursts++;
  }
  check("stream chunks arrived as they were sent", bursts >= 3,
    `${bursts} separate arrivals of ${arrivals.length} chunks`);
}

async function quotaExhausted() {
  const counter = countingFetch();
  const started = performance.now();
  let error;
  try {
    await client(env.SPENT_KEY, counter).chat.completions.create({
      model: "mock-model",
      messages: [{ role: "user", content: "One more" }],
    });
  } catch (e) {
    error = e;
  }
  const elapsed = performance.now() - started;
  check("over quota raises RateLimitError",
    error instanceof OpenAI.RateLimitError, String(error));
  check("RateLimitError has status 429", error?.status === 429);
  check("RateLimitError carries the code", error?.code ===
    "daily_quota_exceeded", `code ${error?.code}`);
  check("RateLimitError carries the type", error?.type ===
    "insufficient_quota", `type ${error?.type}`);
  check("the SDK made exactly one request", counter.requests === 1,
    `${counter.requests} requests`);
  console.log(`# quota error after ${elapsed.toFixed(0)} ms`);
}

async function revokedKey() {
  let error;
  try {
    await client(env.REVOKED_KEY).chat.completions.create({
      model: "mock-model",
      messages: [{ role: "user", content: "Hello" }],
    });
  } catch (e) {
    error = e;
  }
  check("revoked key raises AuthenticationError",
    error instanceof OpenAI.AuthenticationError, String(error));
  check("AuthenticationError carries the code",
    error?.code === "invalid_api_key", `code ${error?.code}`);
}

try {
  await chatCompletion();
  await streamedCompletion();
  await quotaExhausted();
  await revokedKey();
} catch (e) {
  failed++;
  console.log(`FAIL - unexpected error: ${e?.stack ?? e}`);
}
process.exit(failed === 0 ? 0 : 1);

import assert from "node:assert/strict";
import { AllowList } from "./allow_list.ts";

Deno.test("an IPv6 entry matches with or without brackets (URLs have them, sockets do not)", () => {
  const list = new AllowList(["[::1]:8080", "Example.COM"]);
  assert.equal(list.allows("[::1]", "8080"), true);
  assert.equal(list.allows("::1", "8080"), true);
  assert.equal(list.allows("::1", "8081"), false);
  assert.equal(list.allowsHost("::1"), true);
  assert.equal(list.allows("example.com", "443"), true);
  assert.equal(list.allows("::2", "8080"), false);
});

import { describe, expect, it } from "vitest";
import { bearerToken, isAllowedHostHeader, isAllowedOrigin, isLoopbackHost, loopbackHostHeaders, tokensMatch } from "../../src/http/guards.js";

describe("isLoopbackHost", () => {
  it.each(["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]"])("%s is loopback", (host) => expect(isLoopbackHost(host)).toBe(true));
  it.each(["0.0.0.0", "::", "192.168.1.10", "example.com", "localhost.example.com", "128.0.0.1", "127.0.0.1.nip.io"])("%s is not", (host) => expect(isLoopbackHost(host)).toBe(false));
});

describe("Host allow-list", () => {
  const allowed = loopbackHostHeaders(8765);
  it("lists the three loopback names with the port", () => expect(allowed).toEqual(["127.0.0.1:8765", "localhost:8765", "[::1]:8765"]));
  it("uses bare names on port 80, which clients leave out of Host", () => expect(loopbackHostHeaders(80)).toEqual(["127.0.0.1", "localhost", "[::1]"]));
  it("matches case-insensitively and refuses anything else", () => {
    expect(isAllowedHostHeader("LocalHost:8765", allowed)).toBe(true);
    expect(isAllowedHostHeader("localhost:8766", allowed)).toBe(false);
    expect(isAllowedHostHeader("localhost", allowed)).toBe(false);
    expect(isAllowedHostHeader("evil.example.com:8765", allowed)).toBe(false);
    expect(isAllowedHostHeader(undefined, allowed)).toBe(false);
  });
});

describe("isAllowedOrigin", () => {
  const configured = ["https://inspector.example.com/"];
  it("allows requests without Origin (non-browser clients)", () => expect(isAllowedOrigin(undefined, [])).toBe(true));
  it.each(["http://localhost:6274", "https://localhost", "http://127.0.0.1:5173", "http://[::1]:3000"])("allows the loopback origin %s", (origin) =>
    expect(isAllowedOrigin(origin, [])).toBe(true),
  );
  it("allows configured origins, compared as origins", () => {
    expect(isAllowedOrigin("https://inspector.example.com", configured)).toBe(true);
    expect(isAllowedOrigin("https://inspector.example.com:443", configured)).toBe(true);
    expect(isAllowedOrigin("http://inspector.example.com", configured)).toBe(false);
  });
  it.each(["http://evil.example.com", "null", "file:///etc/passwd", "not a url", "http://localhost.evil.example.com", "ws://localhost:1"])("refuses %s", (origin) =>
    expect(isAllowedOrigin(origin, configured)).toBe(false),
  );
});

describe("bearer token", () => {
  it("reads the token of a Bearer header only", () => {
    expect(bearerToken("Bearer abc.def-123")).toBe("abc.def-123");
    expect(bearerToken("bearer   abc ")).toBe("abc");
    expect(bearerToken("Basic abc")).toBeNull();
    expect(bearerToken("Bearer")).toBeNull();
    expect(bearerToken("Bearer a b")).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
  it("compares tokens exactly, whatever their lengths", () => {
    expect(tokensMatch("secret-token", "secret-token")).toBe(true);
    expect(tokensMatch("secret-token", "secret-tokeN")).toBe(false);
    expect(tokensMatch("secret", "secret-token")).toBe(false);
    expect(tokensMatch("", "secret-token")).toBe(false);
  });
});

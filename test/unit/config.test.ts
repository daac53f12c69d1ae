import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../shared/config.ts';

describe('loopback hosts', () => {
  it.each(['127.0.0.1', '127.0.0.1:5000', '127.1.2.3:80', 'localhost', 'localhost:5000', '::1', '[::1]', '[::1]:5000'])('treats %s as loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['0.0.0.0', '10.0.0.1:5000', 'registry.example.com', '127.example.com', '[2001:db8::1]:443', '2001:db8::1'])('treats %s as reachable from elsewhere', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

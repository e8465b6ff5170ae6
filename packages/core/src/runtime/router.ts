import { normalizeRoute } from '../config/normalize-route.js';
import { assertDomainName } from '../domain-name.js';
import type { Adapter } from '../spi/adapter.js';
import type { NormalizedRoute, RouteConfig } from './types.js';

/** Resolves each domain to its route: run-time overrides, then the configured routes, then the default. */
export class Router {
  readonly adapters: ReadonlyMap<string, Adapter>;
  readonly #configured: ReadonlyMap<string, NormalizedRoute>;
  readonly #default: NormalizedRoute;
  readonly #overrides = new Map<string, NormalizedRoute>();
  #version = 0;

  constructor(adapters: ReadonlyMap<string, Adapter>, defaultRoute: RouteConfig, domains: Readonly<Record<string, RouteConfig>>) {
    this.adapters = adapters;
    this.#default = normalizeRoute(defaultRoute, adapters);
    const configured = new Map<string, NormalizedRoute>();
    for (const [domain, route] of Object.entries(domains)) {
      assertDomainName(domain);
      configured.set(domain, normalizeRoute(route, adapters));
    }
    this.#configured = configured;
  }

  /** Changes whenever `route` may answer differently for some domain (a run-time route set or dropped). */
  get version(): number {
    return this.#version;
  }

  /** The route in force for `domain` (throws `INVALID_DOMAIN` for a bad name). */
  route(domain: string): NormalizedRoute {
    const route = this.#overrides.get(domain) ?? this.#configured.get(domain);
    if (route) return route;
    assertDomainName(domain);
    return this.#default;
  }

  /** Validates and sets a run-time route for `domain`. */
  configure(domain: string, route: RouteConfig): NormalizedRoute {
    assertDomainName(domain);
    const normalized = normalizeRoute(route, this.adapters);
    this.#overrides.set(domain, normalized);
    this.#version++;
    return normalized;
  }

  /** Drops the run-time route of `domain`. */
  reset(domain: string): void {
    assertDomainName(domain);
    this.#overrides.delete(domain);
    this.#version++;
  }

  /** Drops every run-time route. */
  clear(): void {
    this.#overrides.clear();
    this.#version++;
  }

  /** The route of domains the config does not list. */
  defaultRoute(): NormalizedRoute {
    return this.#default;
  }

  /** Domains the config routes explicitly. */
  configuredDomains(): string[] {
    return [...this.#configured.keys()];
  }

  /** Adapter names any domain is routed to now (default included). */
  routedAdapters(): Set<string> {
    const names = new Set([this.#default.adapter]);
    for (const r of this.#configured.values()) names.add(r.adapter);
    for (const r of this.#overrides.values()) names.add(r.adapter);
    return names;
  }
}

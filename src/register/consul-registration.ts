// What `drcon register` sends to PUT /v1/agent/service/register (Consul's field names).

export interface ServiceCheck {
  CheckID?: string;
  Name: string;
  HTTP?: string;
  TLSSkipVerify?: boolean;
  TCP?: string;
  TTL?: string;
  Interval?: string;
  Timeout?: string;
  Status?: 'passing' | 'warning' | 'critical';
  DeregisterCriticalServiceAfter?: string;
}

export interface ServiceRegistration {
  ID: string;
  Name: string;
  Tags: string[];
  Address: string;
  Port: number;
  Meta: Record<string, string>;
  Checks: ServiceCheck[];
}

export * from './channel-names';
export * from './contract';
export * from './errors';
export * from './workspace-schemas';
export * from './key-schemas';
export * from './audit-schemas';
export * from './member-schemas';

/**
 * Upstream's embedded proplet, release v0.5.0, for the virtual chip (apps.ts). Its image is
 * told apart by the project name in its application descriptor (CONTRACT.md §8).
 */
import type { AppFactory } from '../app.ts';
import { UpstreamProplet } from './upstreamProplet.ts';

/** embed-proplet/CMakeLists.txt: project(proplet_mqtt_client). */
export const UPSTREAM_05_PROJECT_NAME = 'proplet_mqtt_client';

export const upstreamApp: AppFactory = (chip, descriptor) => new UpstreamProplet(chip, descriptor);

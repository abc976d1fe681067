import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { DEFAULT_PORT, DEFAULT_SHUTDOWN_TIMEOUT_MS, DEFAULT_SIMULATOR_PORT } from '../../src/config/defaults';
import { HEALTH_PATH, READY_PATH } from '../../src/http/server';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Every environment variable the config module reads: names passed to its readers, and `env.NAME`. */
function configVariables(): Set<string> {
  const names = new Set<string>();
  for (const file of readdirSync(join(ROOT, 'src/config'))) {
    const source = read(`src/config/${file}`);
    for (const [, name] of source.matchAll(/\(env, '([A-Z][A-Z0-9_]+)'/g)) names.add(name);
    for (const [, name] of source.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)) names.add(name);
  }
  return names;
}

/** The command a package script runs, as argv: `exec node …` after any build step. */
function scriptCommand(name: string): string[] {
  const script: string = JSON.parse(read('package.json')).scripts[name];
  return script.split('&&').pop()!.trim().replace(/^exec /, '').split(/\s+/);
}

interface DeployFiles {
  compose: any;
  kubernetes: any[];
  dockerCmd: string[];
}

function deployFiles(): DeployFiles {
  const dir = 'deploy/kubernetes';
  const kubernetes = readdirSync(join(ROOT, dir)).flatMap((file) => parseAllDocuments(read(`${dir}/${file}`)).map((doc) => doc.toJS()));
  const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'))![1];
  return { compose: parse(read('deploy/compose.yaml')), kubernetes, dockerCmd: JSON.parse(cmd) };
}

const seconds = (duration: string | number) => (typeof duration === 'number' ? duration : Number(/^(\d+)s$/.exec(duration)?.[1] ?? NaN));

/** What in the deploy files disagrees with the code, one line each; empty when they agree. */
function deployProblems({ compose, kubernetes, dockerCmd }: DeployFiles): string[] {
  const problems: string[] = [];
  const known = configVariables();
  const start = scriptCommand('start');
  const simulator = scriptCommand('simulator');
  const check = (ok: boolean, problem: string) => ok || problems.push(problem);
  const unknownVariables = (where: string, env: Record<string, unknown> = {}) =>
    Object.keys(env).filter((name) => !known.has(name)).forEach((name) => problems.push(`${where}: ${name} is not a variable of src/config`));

  check(JSON.stringify(dockerCmd) === JSON.stringify(start), `Dockerfile CMD ${dockerCmd.join(' ')} is not npm start's ${start.join(' ')}`);

  // compose.yaml
  const { gateway, simulator: sim } = compose.services;
  unknownVariables('compose gateway', gateway.environment);
  unknownVariables('compose simulator', sim.environment);
  check(JSON.stringify(gateway.command) === JSON.stringify(start), `compose gateway command is not npm start's`);
  check(JSON.stringify(sim.command) === JSON.stringify(simulator), `compose simulator command is not npm run simulator's`);
  const gatewayPort = Number(gateway.environment.PORT ?? DEFAULT_PORT);
  check(gateway.ports.every((mapping: string) => Number(mapping.split(':').pop()) === gatewayPort), `compose gateway ports do not end at PORT ${gatewayPort}`);
  const simulatorPort = Number(sim.environment.SIMULATOR_PORT ?? DEFAULT_SIMULATOR_PORT);
  check(new URL(gateway.environment.IM_API_BASE_URL).port === String(simulatorPort), 'compose IM_API_BASE_URL is not the simulator service port');
  check(gateway.environment.IM_SDKAPPID === sim.environment.SIMULATOR_SDKAPPID && gateway.environment.IM_SECRET_KEY === sim.environment.SIMULATOR_SECRET_KEY, 'compose gateway and simulator apps differ');
  check(new URL(gateway.environment.REDIS_URL).hostname in compose.services, 'compose REDIS_URL names no service');
  const composeShutdownMs = Number(gateway.environment.SHUTDOWN_TIMEOUT_MS ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
  check(seconds(gateway.stop_grace_period) * 1000 > composeShutdownMs, `compose stop_grace_period ${gateway.stop_grace_period} is not above SHUTDOWN_TIMEOUT_MS ${composeShutdownMs}`);
  check(gateway.deploy.replicas >= 2 && gateway.environment.IM_SHARED_STATE === 'redis', 'compose replicas must share state through Redis');

  // kubernetes/
  const kind = (name: string) => kubernetes.filter((doc) => doc.kind === name);
  const [configMap] = kind('ConfigMap');
  const [secret] = kind('Secret');
  const [deployment] = kind('Deployment');
  const [service] = kind('Service');
  const [pdb] = kind('PodDisruptionBudget');
  for (const [name, doc] of Object.entries({ ConfigMap: configMap, Secret: secret, Deployment: deployment, Service: service, PodDisruptionBudget: pdb })) check(doc !== undefined, `kubernetes: no ${name}`);
  if (problems.some((problem) => problem.startsWith('kubernetes: no'))) return problems;
  unknownVariables('ConfigMap', configMap.data);
  unknownVariables('Secret', secret.stringData);
  check(Object.keys(secret.stringData).join() === 'IM_SECRET_KEY', 'the Secret holds IM_SECRET_KEY alone');
  check(!('IM_SECRET_KEY' in configMap.data), 'IM_SECRET_KEY is in the ConfigMap');
  const pod = deployment.spec.template;
  const container = pod.spec.containers[0];
  check(JSON.stringify(container.command) === JSON.stringify(start), 'Deployment command is not npm start\'s');
  const refs = container.envFrom.map((from: any) => from.configMapRef?.name ?? from.secretRef?.name);
  check(refs.includes(configMap.metadata.name) && refs.includes(secret.metadata.name), 'Deployment envFrom does not name the ConfigMap and the Secret');
  const portByName = new Map<string, number>(container.ports.map((port: any) => [port.name, port.containerPort]));
  const probePort = (probe: any) => (typeof probe.httpGet.port === 'number' ? probe.httpGet.port : portByName.get(probe.httpGet.port));
  const podPort = Number(configMap.data.PORT ?? DEFAULT_PORT);
  check(container.readinessProbe.httpGet.path === READY_PATH, `readinessProbe path ${container.readinessProbe.httpGet.path} is not ${READY_PATH}`);
  check(container.livenessProbe.httpGet.path === HEALTH_PATH, `livenessProbe path ${container.livenessProbe.httpGet.path} is not ${HEALTH_PATH}`);
  check(probePort(container.readinessProbe) === podPort && probePort(container.livenessProbe) === podPort, `probe ports are not PORT ${podPort}`);
  check([...portByName.values()].includes(podPort), `containerPort is not PORT ${podPort}`);
  const preStopSeconds = Number(container.lifecycle?.preStop?.exec?.command?.[1] ?? 0);
  check(preStopSeconds > 0, 'no preStop pause before the drain');
  const shutdownMs = Number(configMap.data.SHUTDOWN_TIMEOUT_MS ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
  check(pod.spec.terminationGracePeriodSeconds * 1000 > preStopSeconds * 1000 + shutdownMs, `terminationGracePeriodSeconds ${pod.spec.terminationGracePeriodSeconds} is not above preStop ${preStopSeconds} s + SHUTDOWN_TIMEOUT_MS ${shutdownMs}`);
  check(container.resources?.requests?.memory !== undefined && container.resources?.limits?.memory !== undefined, 'no memory request and limit');
  const labels = pod.metadata.labels;
  const selects = (selector: Record<string, string>) => Object.entries(selector).every(([key, value]) => labels[key] === value);
  check(selects(deployment.spec.selector.matchLabels) && selects(service.spec.selector) && selects(pdb.spec.selector.matchLabels), 'a selector does not match the pod labels');
  check(service.spec.ports.every((port: any) => portByName.has(port.targetPort) || port.targetPort === podPort), 'Service targetPort is not the container port');
  check(pdb.spec.minAvailable < deployment.spec.replicas, 'the PodDisruptionBudget allows no disruption');
  return problems;
}

describe('deploy/ and the Dockerfile agree with the code (checked, not run: no Docker daemon or cluster here)', () => {
  it('every variable is one the config reads, commands are the package scripts, probes the server\'s paths, ports and grace periods consistent', () => {
    expect(deployProblems(deployFiles())).toEqual([]);
  });

  it('the check fails on a wrong variable, probe path, port or grace period', () => {
    const broken = (mutate: (files: DeployFiles) => void) => {
      const files = deployFiles();
      mutate(files);
      return deployProblems(files);
    };
    expect(broken((f) => (f.kubernetes.find((doc) => doc.kind === 'ConfigMap').data.IM_SDK_APP_ID = '1'))).toEqual(['ConfigMap: IM_SDK_APP_ID is not a variable of src/config']);
    expect(broken((f) => (f.kubernetes.find((doc) => doc.kind === 'Deployment').spec.template.spec.containers[0].readinessProbe.httpGet.path = '/ready'))).toEqual([`readinessProbe path /ready is not ${READY_PATH}`]);
    expect(broken((f) => (f.kubernetes.find((doc) => doc.kind === 'Deployment').spec.template.spec.terminationGracePeriodSeconds = 30))).toEqual([
      'terminationGracePeriodSeconds 30 is not above preStop 5 s + SHUTDOWN_TIMEOUT_MS 30000',
    ]);
    expect(broken((f) => (f.kubernetes.find((doc) => doc.kind === 'ConfigMap').data.PORT = '8080'))).toEqual(['probe ports are not PORT 8080', 'containerPort is not PORT 8080']);
    expect(broken((f) => (f.compose.services.gateway.stop_grace_period = '10s'))).toEqual(['compose stop_grace_period 10s is not above SHUTDOWN_TIMEOUT_MS 30000']);
    expect(broken((f) => (f.compose.services.simulator.command = ['node', 'dist/main.js']))).toEqual(["compose simulator command is not npm run simulator's"]);
  });
});

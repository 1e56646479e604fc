// Validate Kubernetes / Knative manifests against their published schemas
// (@kubernetes-models/knative, kubernetes-models). Prints one JSON line:
// {"checked": N, "errors": ["file#i kind/name: message", ...]}
//   node validate-manifests.mjs FILE.yaml [...]
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { Service as KnativeService } from '@kubernetes-models/knative/serving.knative.dev/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';

const MODELS = {
  'serving.knative.dev/v1 Service': KnativeService,
  'apps/v1 Deployment': Deployment,
  'batch/v1 Job': Job,
  'v1 Namespace': Namespace,
  'v1 PersistentVolumeClaim': PersistentVolumeClaim,
  'v1 Service': Service,
  'networking.k8s.io/v1 NetworkPolicy': NetworkPolicy,
};

const errors = [];
let checked = 0;
for (const file of process.argv.slice(2)) {
  yaml.loadAll(readFileSync(file, 'utf8')).forEach((doc, i) => {
    if (!doc) return;
    const where = `${file}#${i} ${doc.kind}/${doc.metadata?.name}`;
    const Model = MODELS[`${doc.apiVersion} ${doc.kind}`];
    if (!Model) {
      errors.push(`${where}: no schema known for ${doc.apiVersion} ${doc.kind}`);
      return;
    }
    try {
      new Model(doc).validate();
      checked += 1;
    } catch (error) {
      errors.push(`${where}: ${error.message}`);
    }
  });
}
console.log(JSON.stringify({ checked, errors }));

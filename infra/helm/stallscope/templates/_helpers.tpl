{{- define "stallscope.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "stallscope.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "stallscope.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "stallscope.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* Labels of every object; "component" adds the target it runs. */}}
{{- define "stallscope.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{ include "stallscope.selectorLabels" . }}
{{- end }}

{{- define "stallscope.selectorLabels" -}}
app.kubernetes.io/name: {{ include "stallscope.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "stallscope.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "stallscope.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "stallscope.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if eq $tag "latest" }}{{ fail "image.tag: pin a version, not latest" }}{{ end }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{- define "stallscope.authSecretName" -}}
{{- default (printf "%s-auth" (include "stallscope.fullname" .)) .Values.auth.existingSecret }}
{{- end }}

{{/*
The environment of every target: the config file, listeners on the pod's
address (probes and Services reach it there), a data dir on an emptyDir,
and each secret from its Secret.
*/}}
{{- define "stallscope.env" -}}
- name: STALLSCOPE_CONFIG
  value: /etc/stallscope/stallscope.yaml
- name: STALLSCOPE_SERVER_HOST
  value: 0.0.0.0
- name: STALLSCOPE_DATA_DIR
  value: /var/lib/stallscope
- name: STALLSCOPE_SERVER_AUTH_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "stallscope.authSecretName" . }}
      key: {{ .Values.auth.tokenKey }}
{{- if .Values.kafka.sasl.passwordSecret.name }}
- name: STALLSCOPE_TRANSPORT_KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.kafka.sasl.passwordSecret.name }}
      key: {{ .Values.kafka.sasl.passwordSecret.key }}
{{- end }}
{{- end }}

{{/*
Self-tracing of one component, (dict "root" $ "component" name): nothing
while selfTracing.tracesEndpoint is empty. The variables, not the config
file, carry it: the service name differs per component.
*/}}
{{- define "stallscope.selfTracingEnv" -}}
{{- with .root.Values.selfTracing }}
{{- if .tracesEndpoint }}
{{- $key := ternary "queryApi" $.component (eq $.component "query-api") }}
- name: STALLSCOPE_SELF_TRACING_TRACES_ENDPOINT
  value: {{ .tracesEndpoint | quote }}
- name: STALLSCOPE_SELF_TRACING_SERVICE_NAME
  value: {{ default (printf "%s-%s" (include "stallscope.fullname" $.root) $.component) (index .serviceNames $key) | quote }}
- name: STALLSCOPE_SELF_TRACING_SAMPLE_RATIO
  value: {{ .sampleRatio | quote }}
{{- end }}
{{- end }}
{{- end }}

{{- define "stallscope.storePasswordEnv" -}}
{{- if .Values.clickhouse.passwordSecret.name }}
- name: STALLSCOPE_STORE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.clickhouse.passwordSecret.name }}
      key: {{ .Values.clickhouse.passwordSecret.key }}
{{- end }}
{{- end }}

{{/* Pod annotations: the config's checksum restarts pods when it changes. */}}
{{- define "stallscope.podAnnotations" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- with .Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Every target serves GET /healthz (no key) on the server port. */}}
{{- define "stallscope.probes" -}}
startupProbe:
  httpGet:
    path: /healthz
    port: http
  periodSeconds: 5
  failureThreshold: 60
livenessProbe:
  httpGet:
    path: /healthz
    port: http
  periodSeconds: 10
  timeoutSeconds: 5
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /healthz
    port: http
  periodSeconds: 10
  timeoutSeconds: 5
{{- end }}

{{/* Non-root, read-only, no capabilities: every target but the agent. */}}
{{- define "stallscope.restrictedSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "stallscope.commonVolumeMounts" -}}
- name: config
  mountPath: /etc/stallscope
  readOnly: true
- name: data
  mountPath: /var/lib/stallscope
- name: tmp
  mountPath: /tmp
{{- end }}

{{- define "stallscope.commonVolumes" -}}
- name: config
  configMap:
    name: {{ include "stallscope.fullname" . }}
- name: data
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- end }}

{{/*
A Deployment of one server-side target: (dict "root" $ "component" name
"target" launcher-target "values" its-values-section "env" extra-env-yaml
"ports" extra-ports-yaml).
*/}}
{{- define "stallscope.deployment" -}}
{{- $root := .root }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "stallscope.fullname" $root }}-{{ .component }}
  labels:
    {{- include "stallscope.labels" . | nindent 4 }}
spec:
  {{- if not (and .values.autoscaling .values.autoscaling.enabled) }}
  replicas: {{ .values.replicas }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "stallscope.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "stallscope.labels" . | nindent 8 }}
      annotations:
        {{- include "stallscope.podAnnotations" $root | nindent 8 }}
    spec:
      serviceAccountName: {{ include "stallscope.serviceAccountName" $root }}
      automountServiceAccountToken: false
      securityContext:
        fsGroup: 1000
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "stallscope.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args: ["--target", {{ .target | quote }}]
          env:
            {{- include "stallscope.env" $root | nindent 12 }}
            {{- with include "stallscope.selfTracingEnv" . | trim }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with .env }}
            {{- . | nindent 12 }}
            {{- end }}
          ports:
            - name: http
              containerPort: 8470
            {{- with .ports }}
            {{- . | nindent 12 }}
            {{- end }}
          {{- include "stallscope.probes" $root | nindent 10 }}
          securityContext:
            {{- include "stallscope.restrictedSecurityContext" $root | nindent 12 }}
          resources:
            {{- toYaml .values.resources | nindent 12 }}
          volumeMounts:
            {{- include "stallscope.commonVolumeMounts" $root | nindent 12 }}
      volumes:
        {{- include "stallscope.commonVolumes" $root | nindent 8 }}
      {{- with $root.Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      affinity:
        {{- if $root.Values.affinity }}
        {{- toYaml $root.Values.affinity | nindent 8 }}
        {{- else }}
        # Replicas on different nodes where the cluster allows it.
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    {{- include "stallscope.selectorLabels" . | nindent 20 }}
        {{- end }}
{{- end }}

{{/* The chart's name, or nameOverride. */}}
{{- define "atomix-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Name of every object: the release name, prefixed with the chart's name unless it contains it. */}}
{{- define "atomix-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := include "atomix-operator.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" $name .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "atomix-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "atomix-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "atomix-operator.labels" -}}
{{ include "atomix-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{/* deploy/operator.yaml, which the Deployment is made of. */}}
{{- define "atomix-operator.deployFile" -}}
{{- .Files.Get "files/deploy/operator.yaml" }}
{{- end }}

{{/* The operator's metrics port: the container port deploy/operator.yaml names `metrics`. */}}
{{- define "atomix-operator.metricsPort" -}}
{{- $container := first (include "atomix-operator.deployFile" . | fromYaml).spec.template.spec.containers }}
{{- range $container.ports }}{{ if eq .name "metrics" }}{{ .containerPort }}{{ end }}{{ end }}
{{- end }}

{{/* What values.schema.json cannot say clearly: combinations of values. */}}
{{- define "atomix-operator.validate" -}}
{{- if and (gt (int .Values.replicas) 1) (not .Values.leaderElection.enabled) }}
{{- fail (printf "replicas: %d replicas need leaderElection.enabled=true (without a Lease every replica would reconcile the same clusters)" (int .Values.replicas)) }}
{{- end }}
{{- if and (eq .Values.watch.scope "namespace") .Values.watch.namespaces }}
{{- fail "watch.namespaces: listed namespaces need watch.scope=cluster (scope namespace watches the release namespace only)" }}
{{- end }}
{{- end }}

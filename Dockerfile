# The operator image: compiled JavaScript on the current Node LTS, non-root.
FROM node:26-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:26-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin ./bin
# Any non-root uid works; deploy/operator.yaml sets runAsNonRoot and a read-only root filesystem.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["node", "bin/atomix-operator.js"]
CMD ["run"]

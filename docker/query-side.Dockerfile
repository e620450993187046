# syntax=docker/dockerfile:1
# The query side. Build from the repository root: docker compose -f docker/compose.yaml build query-side
# (context ..), or: docker build -f docker/query-side.Dockerfile .

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# The module jar is a plain (not repackaged) jar, so the runtime dependencies are copied next to it.
# "install" only writes to this build stage's own ~/.m2: the second invocation resolves platform and
# shared-events from there (after a bare "package" it cannot find those SNAPSHOTs).
RUN --mount=type=cache,target=/root/.m2,sharing=locked \
    mvn -B -q -pl query-side -am install -DskipTests \
 && mvn -B -q -pl query-side dependency:copy-dependencies -DoutputDirectory=/deps -DincludeScope=runtime \
 && cp query-side/target/query-side-*.jar /app.jar

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 ledger \
 && useradd --system --uid 10001 --gid ledger --home-dir /var/lib/ledger --no-create-home ledger \
 && mkdir -p /var/lib/ledger \
 && chown ledger:ledger /var/lib/ledger
WORKDIR /app
COPY --from=build /deps/ /app/deps/
COPY --from=build /app.jar /app/app.jar
USER ledger
ENV LEDGER_DATA_DIR=/var/lib/ledger
EXPOSE 8080
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-cp", "/app/app.jar:/app/deps/*", "shop.ledger.query.QuerySideApplication"]

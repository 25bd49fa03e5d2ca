# The testbed CLI in a container: `testbed silo` for the silos of docker-compose.yml, and the runner.
# Build: docker build -t testbed:local .   (docker-compose.yml builds it as image testbed:local)
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props Testbed.sln ./
COPY grains/ grains/
COPY attacks/ attacks/
COPY silos/ silos/
RUN dotnet publish silos/Testbed.Cli/Testbed.Cli.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /testbed
COPY --from=build /app /app
COPY scenarios/ scenarios/
# Silo-to-silo and gateway ports of `testbed silo` (its defaults).
EXPOSE 11111 30000
ENTRYPOINT ["dotnet", "/app/testbed.dll"]
CMD ["--help"]

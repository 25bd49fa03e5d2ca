using System.Runtime.InteropServices;
using Testbed.Cli;

// Ctrl-C and SIGTERM cancel the command, which then stops what it started (silo processes, redis-server) and writes what
// it recorded. System.CommandLine's own termination handling is off (TestbedCli): it would end the process 2 s after the
// signal, before a cluster of processes has been torn down.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancel.Cancel();
});

return await TestbedCli.RunAsync(args, cancellationToken: cancel.Token);

using System.Runtime.InteropServices;
using Testbed.Cli;

// Ctrl-C and SIGTERM cancel the command, which then stops what it started (silo processes, redis-server); a second one
// ends the process at once (exit 130). System.CommandLine's own termination handling is off (TestbedCli): it would end
// the process 2 s after the signal, before a cluster of processes has been torn down.
using var cancel = new CancellationTokenSource();
void Interrupted()
{
    if (cancel.IsCancellationRequested)
    {
        Environment.Exit(ExitCodes.Cancelled);
    }

    cancel.Cancel();
}

Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    Interrupted();
};
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    Interrupted();
});

return await TestbedCli.RunAsync(args, cancellationToken: cancel.Token);

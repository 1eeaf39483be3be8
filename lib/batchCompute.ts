import type { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface BatchComputeProps {
  readonly availabilityZones: readonly string[];
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

/**
 * Where the Fargate tasks run: a VPC with public subnets only and an ECS cluster.
 *
 * Why no NAT gateway and no private subnets: the tasks are short batch jobs that only call
 * AWS APIs (S3, Glue, ECR, CloudWatch Logs). A NAT gateway costs ~35 USD per month per AZ
 * and interface endpoints for ECR, Logs and Glue ~7 USD each per AZ, for tasks that run
 * minutes a day. Instead each task gets a public IP, and a security group with no inbound
 * rules and outbound HTTPS only: nothing can connect to it. S3 traffic (the bulk) goes
 * through a free gateway endpoint and never leaves the AWS network.
 * Flow logs record all traffic for audits.
 */
export class BatchCompute extends Construct {
  readonly vpc: ec2.Vpc;
  readonly cluster: ecs.Cluster;
  readonly taskSecurityGroup: ec2.SecurityGroup;
  readonly taskSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PUBLIC };

  constructor(scope: Construct, id: string, props: BatchComputeProps) {
    super(scope, id);
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.40.0.0/20'),
      availabilityZones: [...props.availabilityZones],
      natGateways: 0,
      // Tasks get a public IP only when RunTask asks for one (assignPublicIp), never by default.
      subnetConfiguration: [
        { name: 'tasks', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
      ],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      flowLogs: {
        all: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
    });
    this.taskSecurityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: this.vpc,
      description: 'Listings batch tasks: no inbound, outbound HTTPS to AWS APIs only',
      allowAllOutbound: false,
    });
    this.taskSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to AWS APIs (S3, Glue, ECR, Logs)',
    );
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      enableFargateCapacityProviders: true,
    });
  }
}

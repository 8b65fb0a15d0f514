// Tests never reach AWS: fixed region and dummy credentials keep the SDK off any credential chain.
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
process.env.AWS_SECRET_ACCESS_KEY = 'test-secret';

// The machines run Node.js 20 on purpose: the one place that says so, and turns the SDK's notice off.
import '../../bin/aws-sdk-node-notice';
